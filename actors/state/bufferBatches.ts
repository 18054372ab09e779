import { withTransaction, type PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { lockFence } from './datasetRegistry.js';
import { outboxStore } from './outbox/outboxStore.js';
import type { Fence } from './tasks/taskTypes.js';

const SQL = loadStatements('state/datasets.sql', [
  'recordBufferBatch',
  'lockBufferBatch',
  'markBufferApplied',
  'insertBufferRows',
  'resolveDataTable',
  'getBufferBatch',
] as const);

/** The queue that carries buffer batch wake-ups to the sink. */
export const BUFFER_QUEUE = 'buffers';

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

export interface BufferBatchRow {
  batch_id: string;
  bucket: string;
  object_key: string;
  target_table: string;
  row_count: number;
  status: 'pending' | 'applied';
}

export class UnknownTableError extends Error {
  override name = 'UnknownTableError';
}

/**
 * Buffered dataset publish in Postgres: a fenced record of a staged batch plus its outbox wake-up
 * (one transaction), and the sink's idempotent apply (rows and the applied mark in one transaction).
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
      if (created) await outboxStore.insertWakeups(client, BUFFER_QUEUE, [{ batch_id: batchId }]);
      return { batchId, created };
    });
  }

  /**
   * Applies a batch: loads it under a row lock, inserts `rows` (skipping duplicates) and marks it
   * applied, all in one transaction, so a failure leaves no partial rows. Returns the inserted
   * count, or undefined when the batch was already applied.
   */
  async apply(batchId: string, loadRows: (batch: BufferBatchRow) => Promise<unknown[]>): Promise<number | undefined> {
    return withTransaction(this.pool, async (client) => {
      const batch = (await client.query<BufferBatchRow>(SQL.lockBufferBatch, [batchId])).rows[0];
      if (!batch) throw new Error(`no buffer batch ${batchId}`);
      if (batch.status === 'applied') return undefined;
      const table = await this.qualifiedTable(batch.target_table, client);
      const rows = await loadRows(batch);
      const { rowCount } = await client.query(SQL.insertBufferRows.text.replaceAll('{{table}}', table), [JSON.stringify(rows)]);
      await client.query(SQL.markBufferApplied, [batchId, rowCount ?? 0]);
      return rowCount ?? 0;
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
