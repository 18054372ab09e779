import { withTransaction, type PgPool } from '../../../drivers/postgres/postgres.js';
import { loadStatements, type Statement } from '../../../drivers/postgres/sqlStatements.js';
import { outboxStore } from '../outbox/outboxStore.js';
import { settleRun } from './attemptTransitions.js';
import { fenceParams, TASK_QUEUE, type Fence, type RetryPolicy } from './taskTypes.js';
import { notifyDispatchers, notifyIfPlannerSlot } from '../dispatchEvents.js';

const SQL = loadStatements('state/tasks.sql', ['reapExpiredLeases', 'requeueDueRetries', 'rewakeStaleQueued', 'retriesPending', 'attemptsRunning'] as const);

/** Rows one maintenance transaction handles at most, so one tick never holds many locks for long. */
const MAINTENANCE_BATCH = 100;

/**
 * The dispatcher's durable duties over task state, each one transaction that skips rows another
 * dispatcher holds; a worker that finds its own lease lapsed reaps that attempt through it too.
 */
export class TaskMaintenance {
  constructor(
    private readonly db: PgPool,
    private readonly policy: Pick<RetryPolicy, 'retryBaseSeconds' | 'retryMaxSeconds'>,
    /** LISTEN/NOTIFY channel that wakes dispatchers (dispatchEvents.ts). */
    private readonly dispatchChannel: string,
  ) {}

  /** Lease reaper: expired running attempts fail (retry or terminal). Returns how many were reaped. */
  async reapExpiredLeases(limit = MAINTENANCE_BATCH): Promise<number> {
    return this.reap(limit, undefined, 'stopped heartbeating');
  }

  /**
   * The worker of `fence` found its lease lapsed (`refused` was refused): the attempt fails now, as
   * the reaper would fail it at its next tick. false when it was reaped already or is not current.
   */
  async reapLapsedAttempt(fence: Fence, refused: string): Promise<boolean> {
    return (await this.reap(1, fence, `reported it (${refused} refused)`)) === 1;
  }

  /** Fails lapsed running attempts (only `only`'s, when given); `how` ends their last_error. */
  private async reap(limit: number, only: Fence | undefined, how: string): Promise<number> {
    return withTransaction(this.db, async (client) => {
      const { rows } = await client.query<{ task_id: string; run_id: string; terminal: boolean }>(SQL.reapExpiredLeases, [
        limit,
        this.policy.retryBaseSeconds,
        this.policy.retryMaxSeconds,
        ...(only ? fenceParams(only) : [null, null, null]),
        how,
      ]);
      // Rows come ordered by run: runs are locked in one global order, so two reapers cannot deadlock.
      for (const r of rows) await settleRun(client, r.task_id, r.run_id, r.terminal);
      // Wake the dispatchers: a retry is now scheduled, or a sync range ended for good.
      if (rows.some((r) => !r.terminal)) await notifyDispatchers(client, this.dispatchChannel, 'retry');
      for (const r of rows.filter((x) => x.terminal)) await notifyIfPlannerSlot(client, this.dispatchChannel, r.task_id);
      return rows.length;
    });
  }

  /** Retry scheduler: failed tasks due for retry are queued as their next attempt, with a wake-up. */
  /** Whether any attempt runs (its lease may lapse). */
  async attemptsRunning(): Promise<boolean> {
    return (await this.db.query<{ running: boolean }>(SQL.attemptsRunning)).rows[0]!.running;
  }

  async requeueDueRetries(limit = MAINTENANCE_BATCH): Promise<{ requeued: number; pending: boolean }> {
    const requeued = await this.wakeAll(SQL.requeueDueRetries, [limit]);
    const { rows } = await this.db.query<{ pending: boolean }>(SQL.retriesPending);
    return { requeued, pending: rows[0]!.pending };
  }

  /** Lost wake-up sweeper: queued tasks whose wake-up is older than the grace period get a new one. */
  async rewakeStaleQueued(graceSeconds: number, limit = MAINTENANCE_BATCH): Promise<number> {
    return this.wakeAll(SQL.rewakeStaleQueued, [graceSeconds, limit]);
  }

  /** Runs a statement returning task ids and writes their wake-ups in the same transaction. */
  private async wakeAll(statement: Statement, params: unknown[]): Promise<number> {
    return withTransaction(this.db, async (client) => {
      const { rows } = await client.query<{ task_id: string }>(statement, params);
      await outboxStore.insertWakeups(client, TASK_QUEUE, rows.map((r) => ({ task_id: r.task_id })));
      return rows.length;
    });
  }
}
