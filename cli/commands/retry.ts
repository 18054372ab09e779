import type { Command } from 'commander';
import { print } from '../output.js';
import { withSession } from '../session.js';

/** `retry --job J`: plans the job's ranges that failed for good again. */
export function registerRetry(program: Command): void {
  program
    .command('retry')
    .description("plan a chain_sync job's failed ranges again (status --job lists them with their errors)")
    .requiredOption('--job <id|name>', 'the job')
    .option('--json', 'print one JSON object')
    .action((opts: { job: string; json?: boolean }) =>
      withSession(async ({ rt }) => {
        const retried = await rt.syncJobs.retryFailed(opts.job);
        if (opts.json) return print(JSON.stringify({ retried }));
        print(retried.length === 0 ? 'no failed ranges' : retried.map((r) => `retrying ${r.stream} [${r.start}, ${r.end}): ${r.error ?? 'cancelled'}`).join('\n'));
      }),
    );
}
