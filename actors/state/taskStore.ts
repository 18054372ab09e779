import { withTransaction, type PgPool, type PgClient, type Queryable } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import type { RunSpec } from './runSpec.js';

const SQL = loadStatements('state/tasks.sql', [
  'insertRun',
  'insertTasks',
  'insertDependencies',
  'claim',
  'heartbeat',
  'succeed',
  'fail',
  'handBack',
  'endAttempt',
  'lockRun',
  'queueReadyDependents',
  'cancelDownstream',
  'refreshRunStatus',
  'reapExpiredLeases',
  'requeueDueRetries',
  'rewakeStaleQueued',
  'getTask',
  'listRunTasks',
  'getRun',
  'listAttempts',
  'countTasksByStatus',
] as const);
const OUTBOX_SQL = loadStatements('state/outbox.sql', ['insertWakeups'] as const);

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
  outcome: 'running' | 'succeeded' | 'failed' | 'lease_expired' | 'handed_back';
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

/** A write of a stale attempt: its lease expired or the task moved on. Nothing was changed. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(
    readonly fence: Fence,
    operation: string,
  ) {
    super(`${operation} refused for task ${fence.taskId} attempt ${fence.attempt}: the lease is no longer held by this attempt`);
  }
}

export interface TaskStoreOptions {
  defaultMaxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
}

/**
 * The task lifecycle in Postgres: runs and their tasks, claims with leases, fenced completion, and
 * the dispatcher's durable duties (retries, lease reaping, re-waking). Every transition that needs
 * a wake-up writes it to the outbox in the same transaction, never to the queue.
 */
export class TaskStore {
  constructor(
    private readonly pool: PgPool,
    private readonly options: TaskStoreOptions,
  ) {}

  /** Creates a run with its tasks and dependencies, and outbox wake-ups for the ready tasks, in one transaction. */
  async submitRun(spec: RunSpec): Promise<{ runId: string; tasks: Record<string, string> }> {
    return withTransaction(this.pool, (client) => this.submitRunIn(client, spec));
  }

  /** submitRun inside the caller's transaction (a planner that also advances its cursor). */
  async submitRunIn(client: PgClient, spec: RunSpec): Promise<{ runId: string; tasks: Record<string, string> }> {
    const run = await client.query<{ run_id: string }>(SQL.insertRun, [spec.name]);
    const runId = run.rows[0]!.run_id;
    const inserted = await client.query<{ task_id: string; name: string; status: TaskStatus }>(SQL.insertTasks, [
      runId,
      spec.tasks.map((t) => t.name),
      spec.tasks.map((t) => t.operator),
      spec.tasks.map((t) => JSON.stringify(t.params)),
      spec.tasks.map((t) => t.max_attempts ?? this.options.defaultMaxAttempts),
      spec.tasks.map((t) => t.depends_on.length === 0),
    ]);
    const ids = Object.fromEntries(inserted.rows.map((r) => [r.name, r.task_id]));
    const edges = spec.tasks.flatMap((t) => t.depends_on.map((dep) => [ids[t.name]!, ids[dep]!] as const));
    if (edges.length > 0) await client.query(SQL.insertDependencies, [edges.map((e) => e[0]), edges.map((e) => e[1])]);
    const ready = inserted.rows.filter((r) => r.status === 'queued').map((r) => r.task_id);
    await client.query(OUTBOX_SQL.insertWakeups, [TASK_QUEUE, ready]);
    return { runId, tasks: ids };
  }

  /** A run of one task; returns the task id. */
  async submitTask(operator: string, params: Record<string, unknown>, maxAttempts?: number): Promise<string> {
    const { tasks } = await this.submitRun({
      name: operator,
      tasks: [{ name: operator, operator, params, max_attempts: maxAttempts, depends_on: [] }],
    });
    return tasks[operator]!;
  }

  /** queued → running under a fresh lease; undefined when the claim lost (already running, done, cancelled). */
  async claim(taskId: string, workerId: string, leaseSeconds: number): Promise<ClaimedTask | undefined> {
    const { rows } = await this.pool.query<{
      task_id: string;
      run_id: string;
      attempt: number;
      lease_token: string;
      operator: string;
      params: Record<string, unknown>;
      lease_expires_at: Date;
    }>(SQL.claim, [taskId, workerId, leaseSeconds]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      taskId: r.task_id,
      runId: r.run_id,
      attempt: r.attempt,
      leaseToken: r.lease_token,
      operator: r.operator,
      params: r.params,
      leaseExpiresAt: r.lease_expires_at,
    };
  }

  /** Extends the lease; throws LeaseLostError when the attempt no longer holds it. */
  async heartbeat(fence: Fence, leaseSeconds: number): Promise<Date> {
    const { rows } = await this.pool.query<{ lease_expires_at: Date }>(SQL.heartbeat, [...fenceParams(fence), leaseSeconds]);
    if (!rows[0]) throw new LeaseLostError(fence, 'heartbeat');
    return rows[0].lease_expires_at;
  }

  /** running → succeeded, then queues the dependents that became ready, all in one transaction. */
  async succeed(fence: Fence, result: JsonValue | undefined): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ run_id: string }>(SQL.succeed, [...fenceParams(fence), JSON.stringify(result ?? null)]);
      if (!rows[0]) throw new LeaseLostError(fence, 'complete');
      await client.query(SQL.endAttempt, [fence.taskId, fence.attempt, 'succeeded', null]);
      await client.query(SQL.lockRun, [rows[0].run_id]);
      const ready = await client.query<{ task_id: string }>(SQL.queueReadyDependents, [fence.taskId]);
      await client.query(OUTBOX_SQL.insertWakeups, [TASK_QUEUE, ready.rows.map((r) => r.task_id)]);
      await client.query(SQL.refreshRunStatus, [rows[0].run_id]);
    });
  }

  /** running → failed; schedules a retry or, with the budget spent, fails the run and cancels what depends on it. */
  async fail(fence: Fence, error: string): Promise<{ terminal: boolean }> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ run_id: string; terminal: boolean }>(SQL.fail, [
        ...fenceParams(fence),
        error,
        this.options.retryBaseSeconds,
        this.options.retryMaxSeconds,
      ]);
      if (!rows[0]) throw new LeaseLostError(fence, 'fail');
      await client.query(SQL.endAttempt, [fence.taskId, fence.attempt, 'failed', error]);
      await this.settleRun(client, fence.taskId, rows[0].run_id, rows[0].terminal);
      return { terminal: rows[0].terminal };
    });
  }

  /** running → queued as a new attempt, with a wake-up; used on graceful shutdown. */
  async handBack(fence: Fence): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query(SQL.handBack, fenceParams(fence));
      if (!rows[0]) throw new LeaseLostError(fence, 'hand back');
      await client.query(SQL.endAttempt, [fence.taskId, fence.attempt, 'handed_back', 'worker shut down']);
      await client.query(OUTBOX_SQL.insertWakeups, [TASK_QUEUE, [fence.taskId]]);
    });
  }

  private async settleRun(client: PgClient, taskId: string, runId: string, terminal: boolean): Promise<void> {
    await client.query(SQL.lockRun, [runId]);
    if (terminal) await client.query(SQL.cancelDownstream, [taskId]);
    await client.query(SQL.refreshRunStatus, [runId]);
  }

  /** Lease reaper: expired running attempts fail (retry or terminal). Returns how many were reaped. */
  async reapExpiredLeases(limit = 100): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ task_id: string; run_id: string; terminal: boolean }>(SQL.reapExpiredLeases, [
        limit,
        this.options.retryBaseSeconds,
        this.options.retryMaxSeconds,
      ]);
      for (const r of rows) await this.settleRun(client, r.task_id, r.run_id, r.terminal);
      return rows.length;
    });
  }

  /** Retry scheduler: failed tasks due for retry are queued as their next attempt. */
  async requeueDueRetries(limit = 100): Promise<number> {
    return (await this.pool.query(SQL.requeueDueRetries, [limit, TASK_QUEUE])).rowCount ?? 0;
  }

  /** Sweeper: queued tasks whose wake-up is older than the grace period get a new one. */
  async rewakeStaleQueued(graceSeconds: number, limit = 100): Promise<number> {
    return (await this.pool.query(SQL.rewakeStaleQueued, [graceSeconds, limit, TASK_QUEUE])).rowCount ?? 0;
  }

  async getTask(taskId: string, db: Queryable = this.pool): Promise<TaskRow | undefined> {
    return (await db.query<TaskRow>(SQL.getTask, [taskId])).rows[0];
  }

  async getRun(runId: string): Promise<{ run: RunRow; tasks: TaskRow[] } | undefined> {
    const run = (await this.pool.query<RunRow>(SQL.getRun, [runId])).rows[0];
    if (!run) return undefined;
    return { run, tasks: (await this.pool.query<TaskRow>(SQL.listRunTasks, [runId])).rows };
  }

  async attempts(taskId: string): Promise<AttemptRow[]> {
    return (await this.pool.query<AttemptRow>(SQL.listAttempts, [taskId])).rows;
  }

  async countsByStatus(): Promise<Record<TaskStatus, number>> {
    const counts: Record<TaskStatus, number> = { pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const r of (await this.pool.query<{ status: TaskStatus; count: number }>(SQL.countTasksByStatus)).rows) counts[r.status] = r.count;
    return counts;
  }
}

function fenceParams(fence: Fence): [string, number, string] {
  return [fence.taskId, fence.attempt, fence.leaseToken];
}
