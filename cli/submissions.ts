/** What submitting a task or a run shares: waiting for its end. */
import { setTimeout as delay } from 'node:timers/promises';
import type { Runtime } from '../actors/node/context.js';
import { taskIsFinished, type RunRow, type TaskRow } from '../actors/state/tasks/taskTypes.js';
import { UsageError } from './usageError.js';

/** How often --wait looks at the task: prompt enough for a person, a handful of queries a second. */
const WAIT_POLL_MS = 200;

export async function waitForTask(rt: Runtime, taskId: string, timeoutMs: number): Promise<TaskRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await rt.tasks.reads.getTask(taskId);
    if (!task) throw new UsageError(`no task ${taskId}`);
    if (taskIsFinished(task)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status} after ${timeoutMs / 1000} s`);
    await delay(WAIT_POLL_MS);
  }
}

export async function waitForRun(rt: Runtime, runId: string, timeoutMs: number): Promise<{ run: RunRow; tasks: TaskRow[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await rt.tasks.reads.getRun(runId);
    if (!found) throw new UsageError(`no run ${runId}`);
    if (found.run.finished_at !== null) return found;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running after ${timeoutMs / 1000} s`);
    await delay(WAIT_POLL_MS);
  }
}
