import { withTransaction, type PgClient, type PgPool } from '../../../drivers/postgres/postgres.js';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import { failpoint } from '../../../runtime/failpoints.js';
import { outboxStore } from '../outbox/outboxStore.js';
import { announceAttemptBatches } from '../bufferBatches.js';
import { fenceParams, LeaseLostError, TASK_QUEUE, type ClaimedTask, type Fence, type JsonValue, type RetryPolicy } from './taskTypes.js';
import { notifyDispatchers, notifyIfPlannerSlot } from '../dispatchEvents.js';

const SQL = loadStatements('state/tasks.sql', [
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
] as const);

/**
 * The transitions of one attempt: the claim under a fresh lease, then heartbeat, success, failure
 * or hand-back, each fenced by (task_id, attempt, lease_token) and a held lease (valid until
 * lease_expires_at by the database clock): a stale attempt gets LeaseLostError and changes nothing.
 */
export class AttemptTransitions {
  constructor(
    private readonly db: PgPool,
    private readonly policy: Pick<RetryPolicy, 'retryBaseSeconds' | 'retryMaxSeconds'>,
    /** LISTEN/NOTIFY channel that wakes dispatchers (dispatchEvents.ts). */
    private readonly dispatchChannel: string,
  ) {}

  /**
   * queued → running under a fresh lease; undefined when the claim lost (already running, done,
   * cancelled). Claiming again with the same worker and wake-up message id (the first reply was
   * lost) returns the running attempt, lease renewed, while its lease is held.
   */
  async claim(taskId: string, workerId: string, leaseSeconds: number, wakeupId?: string): Promise<ClaimedTask | undefined> {
    const { rows } = await this.db.query<{
      task_id: string;
      run_id: string;
      attempt: number;
      lease_token: string;
      operator: string;
      params: Record<string, unknown>;
      lease_expires_at: Date;
    }>(SQL.claim, [taskId, workerId, leaseSeconds, wakeupId ?? null]);
    await failpoint('attempts.afterClaim', { taskId, workerId });
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
    const { rows } = await this.db.query<{ lease_expires_at: Date }>(SQL.heartbeat, [...fenceParams(fence), leaseSeconds]);
    if (!rows[0]) throw new LeaseLostError(fence, 'heartbeat');
    return rows[0].lease_expires_at;
  }

  /**
   * running → succeeded, then queues the dependents that became ready and announces the attempt's
   * buffer batches to the sink, all in one transaction.
   */
  async succeed(fence: Fence, result: JsonValue | undefined): Promise<void> {
    await withTransaction(this.db, async (client) => {
      const { rows } = await client.query<{ run_id: string }>(SQL.succeed, [...fenceParams(fence), JSON.stringify(result ?? null)]);
      if (!rows[0]) throw new LeaseLostError(fence, 'complete');
      await client.query(SQL.endAttempt, [fence.taskId, fence.attempt, 'succeeded', null]);
      await client.query(SQL.lockRun, [rows[0].run_id]);
      const ready = await client.query<{ task_id: string }>(SQL.queueReadyDependents, [fence.taskId]);
      await outboxStore.insertWakeups(client, TASK_QUEUE, ready.rows.map((r) => ({ task_id: r.task_id })));
      await client.query(SQL.refreshRunStatus, [rows[0].run_id]);
      // The attempt's buffered batches become appliable with its success, never before.
      await announceAttemptBatches(client, fence);
      await notifyIfPlannerSlot(client, this.dispatchChannel, fence.taskId);
    });
  }

  /** running → failed; schedules a retry or, with the budget spent, fails the run and cancels what depends on it. */
  async fail(fence: Fence, error: string): Promise<{ terminal: boolean }> {
    return withTransaction(this.db, async (client) => {
      const { rows } = await client.query<{ run_id: string; terminal: boolean }>(SQL.fail, [
        ...fenceParams(fence),
        error,
        this.policy.retryBaseSeconds,
        this.policy.retryMaxSeconds,
      ]);
      if (!rows[0]) throw new LeaseLostError(fence, 'fail');
      await client.query(SQL.endAttempt, [fence.taskId, fence.attempt, 'failed', error]);
      await settleRun(client, fence.taskId, rows[0].run_id, rows[0].terminal);
      if (rows[0].terminal) await notifyIfPlannerSlot(client, this.dispatchChannel, fence.taskId);
      else await notifyDispatchers(client, this.dispatchChannel, 'retry');
      return { terminal: rows[0].terminal };
    });
  }

  /** running → queued as a new attempt, with a wake-up; used on graceful shutdown. */
  async handBack(fence: Fence): Promise<void> {
    await withTransaction(this.db, async (client) => {
      const { rows } = await client.query(SQL.handBack, fenceParams(fence));
      if (!rows[0]) throw new LeaseLostError(fence, 'hand back');
      await client.query(SQL.endAttempt, [fence.taskId, fence.attempt, 'handed_back', 'worker shut down']);
      await outboxStore.insertWakeups(client, TASK_QUEUE, [{ task_id: fence.taskId }]);
    });
  }
}

/** After a task failed: with the run locked, a terminal failure cancels what depends on it; the run's status follows. */
export async function settleRun(client: PgClient, taskId: string, runId: string, terminal: boolean): Promise<void> {
  await client.query(SQL.lockRun, [runId]);
  if (terminal) await client.query(SQL.cancelDownstream, [taskId]);
  await client.query(SQL.refreshRunStatus, [runId]);
}
