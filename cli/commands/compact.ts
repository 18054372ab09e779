import type { Command } from 'commander';
import { print, printJson } from '../output.js';
import { withSession } from '../session.js';
import { UsageError } from '../usageError.js';
import { addWaitOptions } from '../waitOptions.js';

export function registerCompact(program: Command): void {
  const compact = program
    .command('compact')
    .description('compaction now: every full span of small ranges below the hot boundary becomes one Parquet file (a task each, run by the workers of `up`)')
    .option('--dataset <name>', 'only this dataset')
    .option('--json', 'print the planned compactions as JSON');
  addWaitOptions(compact, 'block until the compactions end; exit 1 if one failed').action((opts: { dataset?: string; json?: boolean; wait?: boolean; timeout: number }) =>
    withSession(async ({ rt }) => {
      const [{ isHotDataset, HOT_DATASETS }, { waitForTask }] = await Promise.all([import('../../drivers/datasets/catalog.js'), import('../submissions.js')]);
      if (opts.dataset !== undefined && !isHotDataset(opts.dataset)) throw new UsageError(`--dataset must be one of ${HOT_DATASETS.join(', ')}`);
      const planned = await rt.compactions.planOnce({ dataset: opts.dataset, maxInFlight: Number.POSITIVE_INFINITY });
      if (opts.json) printJson(planned);
      else if (planned.length === 0) print('nothing to compact: no full span of small ranges below the hot boundary');
      else for (const c of planned) print(`task ${c.taskId}: ${c.dataset} chain ${c.chainId} [${c.start}, ${c.end}) from ${c.versionIds.length} ranges`);
      if (!opts.wait) return;
      for (const c of planned) {
        const done = await waitForTask(rt, c.taskId, opts.timeout * 1000);
        process.stderr.write(`task ${c.taskId} ${done.status}${done.last_error ? `: ${done.last_error}` : ''}\n`);
        if (done.status !== 'succeeded') process.exitCode = 1;
      }
    }),
  );
}
