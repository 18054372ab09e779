/** The queue that carries task wake-ups. */
export const TASK_QUEUE = 'tasks';

export type TaskStatus = 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Names one execution of a task; every write of a running attempt must present it. */
export interface Fence {
  taskId: string;
  attempt: number;
  leaseToken: string;
}

export interface ClaimedTask extends Fence {
  runId: string;
  operator: string;
  params: Record<string, unknown>;
  leaseExpiresAt: Date;
}

export interface TaskRow {
  task_id: string;
  run_id: string;
  name: string;
  operator: string;
  params: Record<string, unknown>;
  status: TaskStatus;
  attempt: number;
  failures: number;
  max_attempts: number;
  worker_id: string | null;
  lease_expires_at: Date | null;
  next_retry_at: Date | null;
  last_error: string | null;
  result: JsonValue | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface AttemptRow {
  attempt: number;
  worker_id: string;
  outcome: 'running' | 'succeeded' | 'failed' | 'lease_expired' | 'handed_back' | 'cancelled';
  error: string | null;
  started_at: Date;
  ended_at: Date | null;
}

export interface RunRow {
  run_id: string;
  name: string;
  status: 'running' | 'succeeded' | 'failed';
  created_at: Date;
  finished_at: Date | null;
}

/** Whether a task can no longer change: succeeded, cancelled, or failed with no retry due. */
export function taskIsFinished(task: Pick<TaskRow, 'status' | 'next_retry_at'>): boolean {
  return task.status === 'succeeded' || task.status === 'cancelled' || (task.status === 'failed' && task.next_retry_at === null);
}

/** A write of a stale attempt: its lease lapsed or the task moved on. Nothing was changed. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(
    readonly fence: Fence,
    /** What was refused: heartbeat, commit, complete, fail, hand back, buffer publish. */
    readonly operation: string,
  ) {
    super(`${operation} refused for task ${fence.taskId} attempt ${fence.attempt}: the lease is no longer held by this attempt`);
  }
}

/** The fence as statement parameters ($1 task id, $2 attempt, $3 lease token). */
export function fenceParams(fence: Fence): [string, number, string] {
  return [fence.taskId, fence.attempt, fence.leaseToken];
}

/** Retry policy of the task lifecycle: attempts per task and the backoff between them. */
export interface RetryPolicy {
  defaultMaxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
}
