import type { Command } from 'commander';
import type { DatasetVersion } from '../../actors/state/datasetRegistry.js';
import { print, printJson } from '../output.js';
import { withSession } from '../session.js';
import { positiveInt } from '../userInput.js';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('registered dataset versions: range, rows, bytes and s3:// location')
    .option('--dataset <name>', 'only this dataset')
    .option('--chain <id>', 'only this chain', positiveInt)
    .option('--json', 'print JSON')
    .action((opts: { dataset?: string; chain?: number; json?: boolean }) =>
      withSession(async ({ rt }) => {
        const versions = await rt.registry.listAll(opts.dataset, opts.chain);
        const endpoint = versions.length > 0 ? (await rt.objects.opened()).endpoint : '';
        const described = versions.map((v) => describeVersion(v, endpoint));
        if (opts.json) return printJson(described);
        for (const d of described) print(`${d.dataset.padEnd(12)} chain ${d.chain_id} [${d.range[0]}, ${d.range[1]})  ${d.rows} rows  ${d.bytes} B  ${d.uri.join(' ')}`);
        if (described.length === 0) print('no dataset versions registered');
      }),
    );
}

/** A registered version as `trace-lite datasets` shows it: where the files are, as s3:// URIs. */
function describeVersion(v: DatasetVersion, endpoint: string) {
  return {
    dataset: v.dataset,
    chain_id: Number(v.chain_id),
    range: [Number(v.range_start), Number(v.range_end)],
    rows: Number(v.row_count),
    bytes: Number(v.bytes),
    uri: v.object_keys.map((key) => `s3://${v.bucket}/${key}`),
    manifest: `s3://${v.bucket}/${v.manifest_key}`,
    endpoint,
    task_id: v.task_id,
    attempt: v.attempt,
    committed_at: v.committed_at,
  };
}
