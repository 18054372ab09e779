import type { Command } from 'commander';
import { print, printJson } from '../output.js';
import { withSession } from '../session.js';
import { UsageError } from '../usageError.js';
import { blockNumber, positiveInt } from '../userInput.js';

interface ExportOptions {
  dataset: string;
  chain?: number;
  from?: number;
  until?: number;
  to: string;
  json?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a dataset's committed files as a flat folder of Cryo-named Parquet files with a manifest.json")
    .requiredOption('--dataset <name>', 'the dataset')
    .requiredOption('--to <dir>', 'the folder to write (created if missing)')
    .option('--chain <id>', 'only this chain', positiveInt)
    .option('--from <block>', 'only files reaching this block or later', blockNumber)
    .option('--until <block>', 'only files starting before this block (end-exclusive)', blockNumber)
    .option('--json', 'print the manifest as JSON')
    .action((opts: ExportOptions) =>
      withSession(async ({ rt }) => {
        const [{ mkdir, writeFile }, { join }, { checkVersionFiles }, { cryoFileName }, { cryoNetworkName }] = await Promise.all([
          import('node:fs/promises'),
          import('node:path'),
          import('../datasetFiles.js'),
          import('../../actors/state/stagingKeys.js'),
          import('../../drivers/datasets/cryoSchemas.js'),
        ]);
        if (opts.from !== undefined && opts.until !== undefined && opts.until <= opts.from) throw new UsageError('--until must be greater than --from');
        const versions = (await rt.registry.listAll({ dataset: opts.dataset, chainId: opts.chain })).filter(
          (v) => (opts.from === undefined || Number(v.range_end) > opts.from) && (opts.until === undefined || Number(v.range_start) < opts.until),
        );
        if (versions.length === 0) throw new UsageError(`no committed ${opts.dataset} files${opts.chain === undefined ? '' : ` on chain ${opts.chain}`} in that range`);
        await mkdir(opts.to, { recursive: true });
        const store = await rt.objects.get();
        const files = [];
        for (const version of versions) {
          const chainId = Number(version.chain_id);
          const [start, end] = [Number(version.range_start), Number(version.range_end)];
          for (const [i, { check, bytes }] of (await checkVersionFiles(store, version)).entries()) {
            if (!check.ok) {
              process.exitCode = 1;
              throw new Error(`${check.key} does not match the registry (rows ${check.rows}, schema ${check.schema}, sha256 ${check.sha256}, etag ${check.etag}): run trace-lite verify`);
            }
            const base = cryoFileName(cryoNetworkName(chainId), version.dataset, start, end);
            const file = version.object_keys.length === 1 ? base : base.replace(/\.parquet$/, `__part${i}.parquet`);
            await writeFile(join(opts.to, file), bytes);
            files.push({ file, chain_id: chainId, range_start: start, range_end_exclusive: end, rows: Number(version.row_count), bytes: bytes.byteLength, sha256: version.object_sha256?.[i] ?? null, config_hash: version.config_hash });
          }
        }
        const manifest = { dataset: opts.dataset, exported_at: new Date().toISOString(), files };
        await writeFile(join(opts.to, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
        if (opts.json) return printJson(manifest);
        for (const f of files) print(`${f.file}  ${f.rows} rows  ${f.bytes} B`);
        print(`${files.length} files and manifest.json in ${opts.to}`);
      }),
    );
}
