import type { Command } from 'commander';
import { print, printJson } from '../output.js';
import { withSession } from '../session.js';
import { UsageError } from '../usageError.js';
import { positiveInt } from '../userInput.js';
import { addWaitOptions } from '../waitOptions.js';

interface SubmitOptions {
  operator: string;
  params: string;
  maxAttempts?: number;
  wait?: boolean;
  timeout: number;
}

export function registerTask(program: Command): void {
  const task = program.command('task').description('single tasks');
  const submit = task
    .command('submit')
    .description('submit one task; prints its id')
    .requiredOption('--operator <name>', 'operator to run')
    .option('--params <json>', 'operator parameters as a JSON object', '{}')
    .option('--max-attempts <n>', 'attempts before the task fails terminally', positiveInt);
  addWaitOptions(submit, 'block until the task ends; exit 1 if it failed')
    .action((opts: SubmitOptions) =>
      withSession(async ({ rt }) => {
        const { waitForTask } = await import('../submissions.js');
        const params = parseParams(opts.params);
        rt.operators.checkRun({ tasks: [{ name: opts.operator, operator: opts.operator, params, depends_on: [] }] });
        const taskId = await rt.tasks.runs.submitTask(opts.operator, params, opts.maxAttempts);
        print(taskId);
        if (!opts.wait) return;
        const done = await waitForTask(rt, taskId, opts.timeout * 1000);
        process.stderr.write(`task ${taskId} ${done.status}${done.last_error ? `: ${done.last_error}` : ''}\n`);
        if (done.status !== 'succeeded') process.exitCode = 1;
      }),
    );
  task
    .command('show <id>')
    .description('a task with its attempt history')
    .option('--json', 'print JSON')
    .action((id: string, opts: { json?: boolean }) =>
      withSession(async ({ rt }) => {
        const row = await rt.tasks.reads.getTask(id);
        if (!row) throw new UsageError(`no task ${id}`);
        const attempts = await rt.tasks.reads.attemptHistory(id);
        if (opts.json) {
          const { taskIsFinished } = await import('../../actors/state/tasks/taskTypes.js');
          return printJson({ ...row, finished: taskIsFinished(row), attempts });
        }
        print(`task ${row.task_id} ${row.operator}: ${row.status} (attempt ${row.attempt}, failures ${row.failures}/${row.max_attempts})`);
        for (const a of attempts) print(`  attempt ${a.attempt} on ${a.worker_id}: ${a.outcome}${a.error ? ` (${a.error})` : ''}`);
      }),
    );
}

function parseParams(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new UsageError(`--params must be JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--params must be a JSON object');
  return value as Record<string, unknown>;
}
