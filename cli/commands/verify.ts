import type { Command } from 'commander';
import { print, printJson } from '../output.js';
import { withSession } from '../session.js';
import { positiveInt } from '../userInput.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('re-read every committed file from the store: row count, schema, sha256 and ETag against the registry; exit 1 on a mismatch')
    .option('--dataset <name>', 'only this dataset')
    .option('--chain <id>', 'only this chain', positiveInt)
    .option('--json', 'print the checks as JSON')
    .action((opts: { dataset?: string; chain?: number; json?: boolean }) =>
      withSession(async ({ rt }) => {
        const [{ checkVersionFiles }, { formatTable }] = await Promise.all([import('../datasetFiles.js'), import('../resultTable.js')]);
        const versions = await rt.registry.listAll({ dataset: opts.dataset, chainId: opts.chain });
        const store = await rt.objects.get();
        const checks = [];
        for (const version of versions) for (const { check } of await checkVersionFiles(store, version)) checks.push(check);
        const failed = checks.filter((c) => !c.ok).length;
        if (failed > 0) process.exitCode = 1;
        if (opts.json) return printJson(checks);
        if (checks.length === 0) return print('no committed files to verify');
        const columns = ['dataset', 'chain', 'range', 'file', 'rows', 'schema', 'sha256', 'etag', 'result'].map((name) => ({ name, type: 'VARCHAR' }));
        const rows = checks.map((c) => [c.dataset, c.chain_id, `[${c.range[0]}, ${c.range[1]})`, c.key.slice(c.key.lastIndexOf('/') + 1), c.rows, c.schema, c.sha256, c.etag, c.ok ? 'ok' : 'MISMATCH']);
        print(formatTable({ columns, rows }));
        print(`${checks.length} files, ${failed} mismatched`);
      }),
    );
}
