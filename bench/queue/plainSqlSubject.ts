/**
 * What the plain-SQL subjects (the baseline and the semantic reference) share: one table in a
 * schema of its own, a pool of the same size as pgqueue's, named prepared statements (pg prepares
 * each once per connection, as pgqueue's driver does), and the WAL of that table alone.
 */
import pg from 'pg';
import { createSchema, dropSchema, quoteIdent, WalMeter, type Cleanups } from './database.js';
import { produceMs, type BenchPayload } from './stats.js';
import type { QueueSubject, WorkloadShape } from './workload.js';
import { payloads } from './stats.js';

export interface PlainSqlTable {
  pool: pg.Pool;
  /** Schema-qualified, quoted table name. */
  table: string;
  wal: WalMeter;
}

/** Creates the schema and the table from `columns`, the pool, and the WAL meter; registers their cleanup. */
export async function plainSqlTable(
  url: string,
  schema: string,
  workers: number,
  cleanups: Cleanups,
  columns: string,
  extra: (table: string) => string[] = () => [],
): Promise<PlainSqlTable> {
  cleanups.add(`drop ${schema} schema`, () => dropSchema(url, schema));
  await createSchema(url, schema);
  const table = `${quoteIdent(schema)}.messages`;
  const pool = new pg.Pool({ connectionString: url, max: workers, application_name: `trace-lite bench ${schema}` });
  pool.on('error', () => undefined);
  cleanups.add(`close ${schema} pool`, () => pool.end());
  await pool.query(`CREATE TABLE ${table} (${columns})`);
  for (const statement of extra(table)) await pool.query(statement);
  return { pool, table, wal: await WalMeter.create(pool, [`${schema}.messages`]) };
}

/** A subject whose enqueue is a prepared `INSERT … unnest` and whose single enqueue is one prepared INSERT. */
export abstract class PlainSqlSubject implements QueueSubject {
  abstract readonly name: string;
  readonly wal: WalMeter;
  protected readonly pool: pg.Pool;
  protected readonly table: string;

  constructor(t: PlainSqlTable) {
    this.pool = t.pool;
    this.table = t.table;
    this.wal = t.wal;
  }

  protected abstract readonly insertBatch: pg.QueryConfig;
  protected abstract readonly insertOne: pg.QueryConfig;
  abstract consume(max: number): Promise<number>;

  async enqueueBatch(batch: readonly BenchPayload[]): Promise<void> {
    await this.pool.query({ ...this.insertBatch, values: [batch.map((p) => JSON.stringify(p))] });
  }

  /** Timed single INSERTs filling the queue (the limit of `enqueue, 1 per call`); returns elapsed ms. */
  async fillOneByOneMs(shape: WorkloadShape): Promise<number> {
    await this.settle();
    return produceMs(payloads(shape.messages), shape.workers, 1, async ([p]) => {
      await this.pool.query({ ...this.insertOne, values: [JSON.stringify(p)] });
    });
  }

  async settle(): Promise<void> {
    await this.pool.query(`VACUUM ANALYZE ${this.table}`);
  }

  /** Its consume is its ack (one DELETE): nothing is left to settle. */
  async acksSettled(): Promise<void> {}
}
