import { withTransaction, type PgClient, type PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { lockFence } from './datasetRegistry.js';
import { outboxStore } from './outbox/outboxStore.js';
import type { Fence } from './tasks/taskTypes.js';

const SQL = loadStatements('state/buffers.sql', [
  'recordBufferBatch',
  'lockBufferBatch',
  'markBufferApplied',
  'insertBufferRows',
  'resolveDataTable',
  'getBufferBatch',
  'announceAttemptBatches',
  'reannounceStaleBatches',
  'discardEndedBatches',
  'markBufferDeadLettered',
] as const);

/** The queue that carries buffer batch wake-ups to the sink. */
export const BUFFER_QUEUE = 'buffers';

/** Batches one sweep discards or re-announces at most, so one tick never holds many locks for long. */
const SWEEP_BATCH = 100;

export interface BufferBatchRecord {
  taskId: string;
  attempt: number;
  artifact: string;
  bucket: string;
  objectKey: string;
  /** A table in the data schema. */
  targetTable: string;
  rowCount: number;
}

export type BufferBatchStatus = 'pending' | 'applied' | 'discarded';

export interface BufferBatchRow {
  batch_id: string;
  bucket: string;
  object_key: string;
  target_table: string;
  row_count: number;
  status: BufferBatchStatus;
  /** Set when its wake-up went to the dead-letter table; null otherwise. */
  dead_lettered_at: Date | null;
}

/** What one application of a batch did. */
export type ApplyOutcome =
  | { kind: 'applied'; inserted: number }
  /** Applied or discarded before: nothing to do. */
  | { kind: 'settled'; status: Exclude<BufferBatchStatus, 'pending'> }
  /** Its attempt has not succeeded: its success announces the batch, or the sweeper discards it. */
  | { kind: 'attemptNotSucceeded' };

export class UnknownTableError extends Error {
  override name = 'UnknownTableError';
}

/** Writes one sink wake-up per batch, in the caller's transaction. */
async function wakeSink(client: PgClient, batches: readonly { batch_id: string }[]): Promise<void> {
  await outboxStore.insertWakeups(client, BUFFER_QUEUE, batches.map((b) => ({ batch_id: b.batch_id })));
}

/**
 * Part of an attempt's success transaction: the attempt's pending batches become appliable and
 * get their wake-ups. Before it, no wake-up exists for them, and the sink applies only batches of
 * a succeeded attempt, so a failed attempt's batch never becomes visible.
 */
export async function announceAttemptBatches(client: PgClient, attempt: Pick<Fence, 'taskId' | 'attempt'>): Promise<void> {
  await wakeSink(client, (await client.query<{ batch_id: string }>(SQL.announceAttemptBatches, [attempt.taskId, attempt.attempt])).rows);
}

/**
 * Buffered dataset publish in Postgres: a fenced record of a staged batch, its announcement when
 * its attempt succeeds (announceAttemptBatches), the sink's idempotent apply (rows and the applied
 * mark in one transaction), and the dispatcher's sweep of pending batches.
 */
export class BufferBatches {
  constructor(
    private readonly pool: PgPool,
    private readonly dataSchema: string,
  ) {}

  /** Records a staged batch for a fenced attempt; the same (task, attempt, artifact) returns the same id. */
  async record(fence: Fence, batch: Omit<BufferBatchRecord, 'taskId' | 'attempt'>): Promise<{ batchId: string; created: boolean }> {
    return withTransaction(this.pool, async (client) => {
      await lockFence(client, fence, 'buffer publish');
      await this.qualifiedTable(batch.targetTable, client);
      const { rows } = await client.query<{ batch_id: string; created: boolean }>(SQL.recordBufferBatch, [
        fence.taskId,
        fence.attempt,
        batch.artifact,
        batch.bucket,
        batch.objectKey,
        batch.targetTable,
        batch.rowCount,
      ]);
      const { batch_id: batchId, created } = rows[0]!;
      return { batchId, created };
    });
  }

  /**
   * Applies a batch of a succeeded attempt: loads it under a row lock, inserts `rows` (skipping
   * duplicates) and marks it applied, all in one transaction, so a failure leaves no partial rows.
   */
  async apply(batchId: string, loadRows: (batch: BufferBatchRow) => Promise<unknown[]>): Promise<ApplyOutcome> {
    return withTransaction(this.pool, async (client) => {
      const batch = (await client.query<BufferBatchRow & { attempt_succeeded: boolean }>(SQL.lockBufferBatch, [batchId])).rows[0];
      if (!batch) throw new Error(`no buffer batch ${batchId}`);
      if (batch.status !== 'pending') return { kind: 'settled', status: batch.status };
      if (!batch.attempt_succeeded) return { kind: 'attemptNotSucceeded' };
      const table = await this.qualifiedTable(batch.target_table, client);
      const rows = await loadRows(batch);
      const { rowCount } = await client.query(SQL.insertBufferRows.text.replaceAll('{{table}}', table), [JSON.stringify(rows)]);
      await client.query(SQL.markBufferApplied, [batchId, rowCount ?? 0]);
      return { kind: 'applied', inserted: rowCount ?? 0 };
    });
  }

  /** The batch's wake-up went to the dead-letter table: the sweeper leaves it to a redrive. */
  async markDeadLettered(batchId: string): Promise<void> {
    await this.pool.query(SQL.markBufferDeadLettered, [batchId]);
  }

  /**
   * The sweeper: discards pending batches whose attempt ended without succeeding, and announces
   * again those whose last wake-up is older than `graceSeconds` (lost with the queue, say).
   */
  async sweep(graceSeconds: number, limit = SWEEP_BATCH): Promise<{ discarded: number; reannounced: number }> {
    return withTransaction(this.pool, async (client) => {
      const discarded = (await client.query(SQL.discardEndedBatches, [limit])).rowCount ?? 0;
      const stale = (await client.query<{ batch_id: string }>(SQL.reannounceStaleBatches, [graceSeconds, limit])).rows;
      await wakeSink(client, stale);
      return { discarded, reannounced: stale.length };
    });
  }

  async get(batchId: string): Promise<BufferBatchRow | undefined> {
    return (await this.pool.query<BufferBatchRow>(SQL.getBufferBatch, [batchId])).rows[0];
  }

  private async qualifiedTable(table: string, client: { query: PgPool['query'] }): Promise<string> {
    const { rows } = await client.query<{ qualified: string }>(SQL.resolveDataTable, [this.dataSchema, table]);
    if (!rows[0]) throw new UnknownTableError(`no table ${table} in schema ${this.dataSchema}`);
    return rows[0].qualified;
  }
}
