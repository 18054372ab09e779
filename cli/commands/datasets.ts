import type { Command } from 'commander';
import type { DatasetVersion } from '../../actors/state/datasetRegistry.js';
import { print, printJson } from '../output.js';
import { withSession } from '../session.js';
import { positiveInt } from '../userInput.js';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('live dataset versions (those queries read): range, rows, bytes and s3:// location')
    .option('--dataset <name>', 'only this dataset')
    .option('--chain <id>', 'only this chain', positiveInt)
    .option('--all', 'also the versions compactions superseded (with the version that replaced them)')
    .option('--json', 'print JSON')
    .action((opts: { dataset?: string; chain?: number; all?: boolean; json?: boolean }) =>
      withSession(async ({ rt }) => {
        const versions = await rt.registry.listAll({ dataset: opts.dataset, chainId: opts.chain, superseded: opts.all });
        const opened = versions.length > 0 ? await rt.objects.opened() : undefined;
        // A private store stops with this command: its endpoint would not answer afterwards.
        const endpoint = opened === undefined || opened.lifetime === 'process' ? null : opened.endpoint;
        const described = versions.map((v) => describeVersion(v, endpoint));
        if (opts.json) return printJson(described);
        if (opened !== undefined) {
          print(
            endpoint !== null
              ? `store: ${endpoint} (path-style S3, region ${rt.config.s3Region})`
              : rt.config.s3Port === 0
                ? 'store: TRACE_S3_PORT is 0, so each process runs a private store that stops with it'
                : `store: no node is serving it (start \`trace-lite up\`: it serves the store at http://127.0.0.1:${rt.config.s3Port} while it runs)`,
          );
        }
        for (const d of described) {
          const state = d.superseded_by === null ? '' : `  superseded by ${d.superseded_by}${d.files_deleted ? ', files deleted' : ''}`;
          print(`${d.dataset.padEnd(12)} chain ${d.chain_id} [${d.range[0]}, ${d.range[1]})  ${d.rows} rows  ${d.bytes} B  ${d.uri.join(' ')}${state}`);
        }
        if (described.length === 0) print('no dataset versions registered');
      }),
    );
}

/** A registered version as `trace-lite datasets` shows it: where the files are, as s3:// URIs. */
/** `endpoint`: where the files answer over S3 after this command (null when no node serves the store). */
function describeVersion(v: DatasetVersion, endpoint: string | null) {
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
    version_id: v.version_id,
    superseded_by: v.superseded_by,
    files_deleted: v.objects_deleted_at !== null,
  };
}
