import type { PgPool, PgClient } from '../../../drivers/postgres/postgres.js';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { QueuePayload } from '../../../drivers/queue/queueDriver.js';

const SQL = loadStatements('state/outbox.sql', ['insertWakeups', 'claimDue', 'deletePublished', 'recordPublishFailure', 'unpark', 'stats'] as const);

export interface OutboxRow {
  outbox_id: string;
  queue: string;
  payload: QueuePayload;
  delay_seconds: number;
}

export interface OutboxStats {
  pending: number;
  parked: number;
  oldestAgeSeconds: number;
}

export interface PublishFailurePolicy {
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  /** Failures after which a row is parked: retried only every `parkedRetrySeconds`. */
  parkAfter: number;
  parkedRetrySeconds: number;
}

/**
 * The outbox, and the only code that writes it: wake-ups are inserted inside the caller's state
 * transaction (never into the queue), and the publisher claims, deletes and backs off rows; its
 * claim holds row locks until the caller's transaction ends.
 */
export const outboxStore = {
  /** One wake-up per payload for `queue`, in the caller's transaction; nothing for no payloads. */
  async insertWakeups(client: PgClient, queue: string, payloads: readonly QueuePayload[]): Promise<void> {
    if (payloads.length > 0) await client.query(SQL.insertWakeups, [queue, JSON.stringify(payloads)]);
  },
  async claimDue(client: PgClient, limit: number): Promise<OutboxRow[]> {
    return (await client.query<OutboxRow>(SQL.claimDue, [limit])).rows;
  },
  async deletePublished(client: PgClient, ids: readonly string[]): Promise<void> {
    await client.query(SQL.deletePublished, [ids]);
  },
  /** Returns how many of the rows were parked by this failure. */
  async recordPublishFailure(client: PgClient, ids: readonly string[], error: string, policy: PublishFailurePolicy): Promise<number> {
    const { rows } = await client.query<{ parked: boolean }>(SQL.recordPublishFailure, [
      ids,
      error,
      policy.backoffBaseSeconds,
      policy.backoffMaxSeconds,
      policy.parkAfter,
      policy.parkedRetrySeconds,
    ]);
    return rows.filter((r) => r.parked).length;
  },
  async unpark(pool: PgPool): Promise<number> {
    return (await pool.query(SQL.unpark)).rowCount ?? 0;
  },
  async stats(pool: PgPool): Promise<OutboxStats> {
    const r = (await pool.query<{ pending: number; parked: number; oldest_age_seconds: number }>(SQL.stats)).rows[0]!;
    return { pending: r.pending, parked: r.parked, oldestAgeSeconds: r.oldest_age_seconds };
  },
};
