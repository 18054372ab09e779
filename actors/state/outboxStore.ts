import type { PgPool, PgClient } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import type { QueuePayload } from '../../drivers/queue/queueDriver.js';

const SQL = loadStatements('state/outbox.sql', ['claimDue', 'deletePublished', 'recordPublishFailure', 'unpark', 'stats'] as const);

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
  /** Failures after which a row is parked instead of retried. */
  parkAfter: number;
}

/** Reads and settles outbox rows; the claim holds row locks until the caller's transaction ends. */
export const outboxStore = {
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
