import type { Command } from 'commander';
import type { RunSpec } from '../../actors/state/tasks/runSpec.js';
import type { RunRow, TaskRow } from '../../actors/state/tasks/taskTypes.js';
import { print } from '../output.js';
import { withSession } from '../session.js';
import { UsageError } from '../usageError.js';
import { readUserFile } from '../userInput.js';
import { addWaitOptions } from '../waitOptions.js';

export function registerRun(program: Command): void {
  const run = program.command('run').description('DAG runs');
  const submit = run
    .command('submit')
    .description('submit a run (YAML or JSON: name, tasks[name, operator, params, depends_on, max_attempts]); prints its id')
    .requiredOption('--file <path>', 'run file');
  addWaitOptions(submit, 'block until the run finishes; exit 1 if it failed')
    .action((opts: { file: string; wait?: boolean; timeout: number }) =>
      withSession(async ({ rt }) => {
        const { waitForRun } = await import('../submissions.js');
        const spec = await readRunFile(opts.file);
        rt.operators.checkRun(spec);
        const { runId } = await rt.tasks.runs.submitRun(spec);
        print(runId);
        if (!opts.wait) return;
        const done = await waitForRun(rt, runId, opts.timeout * 1000);
        process.stderr.write(`${formatRun(done)}\n`);
        if (done.run.status !== 'succeeded') process.exitCode = 1;
      }),
    );
  run
    .command('status <id>')
    .description('a run and its tasks')
    .option('--json', 'print JSON')
    .action((id: string, opts: { json?: boolean }) =>
      withSession(async ({ rt }) => {
        const found = await rt.tasks.reads.getRun(id);
        if (!found) throw new UsageError(`no run ${id}`);
        print(opts.json ? JSON.stringify(found, null, 2) : formatRun(found));
      }),
    );
}

async function readRunFile(path: string): Promise<RunSpec> {
  const { parseRunSpecText } = await import('../../actors/state/tasks/runSpec.js');
  return parseRunSpecText(await readUserFile(path));
}

function formatRun({ run, tasks }: { run: RunRow; tasks: TaskRow[] }): string {
  const lines = [`run ${run.run_id} ${run.name}: ${run.status}`];
  for (const t of tasks) {
    const error = t.last_error ? `  (${t.last_error})` : '';
    lines.push(`  ${t.name.padEnd(20)} ${t.status.padEnd(10)} attempt ${t.attempt}/${t.max_attempts}${error}`);
  }
  return lines.join('\n');
}
