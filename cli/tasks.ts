import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Runtime } from '../actors/node/context.js';
import { parseRunSpecText, RunSpecError, type RunSpec } from '../actors/state/tasks/runSpec.js';
import { taskIsFinished, type RunRow, type TaskRow } from '../actors/state/tasks/taskTypes.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseParams(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new UsageError(`--params must be JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--params must be a JSON object');
  return value as Record<string, unknown>;
}

export function checkOperators(rt: Runtime, spec: RunSpec): void {
  const unknown = spec.tasks.filter((t) => !rt.operators.has(t.operator)).map((t) => `${t.name}: ${t.operator}`);
  if (unknown.length > 0) throw new RunSpecError(`unknown operator(s) ${unknown.join(', ')}; known: ${rt.operators.names().join(', ')}`);
}

/** A file the user named, or a UsageError saying why it cannot be read. */
export async function readUserFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function readRunFile(path: string): Promise<RunSpec> {
  return parseRunSpecText(await readUserFile(path));
}

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

export function formatRun({ run, tasks }: { run: RunRow; tasks: TaskRow[] }): string {
  const lines = [`run ${run.run_id} ${run.name}: ${run.status}`];
  for (const t of tasks) {
    const error = t.last_error ? `  (${t.last_error})` : '';
    lines.push(`  ${t.name.padEnd(20)} ${t.status.padEnd(10)} attempt ${t.attempt}/${t.max_attempts}${error}`);
  }
  return lines.join('\n');
}
