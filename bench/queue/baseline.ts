/**
 * The plain-SQL baseline: the least a Postgres queue can do. INSERT from unnest, and DELETE of the
 * oldest rows FOR UPDATE SKIP LOCKED. Same jsonb payload and the same pool size as pgqueue, so the
 * ratio prices exactly what pgqueue adds (visibility, receipts, dead letters, wake-ups).
 */
import pg from 'pg';
import { createSchema, dropSchema, quoteIdent, type Cleanups } from './database.js';
import type { BenchPayload } from './stats.js';
import type { QueueSubject } from './workload.js';

export class BaselineSubject implements QueueSubject {
  readonly name = 'baseline';
  private readonly insertSql: string;
  private readonly takeSql: string;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
  ) {
    this.insertSql = `INSERT INTO ${table} (payload) SELECT p FROM unnest($1::jsonb[]) AS p`;
    this.takeSql = `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id, payload`;
  }

  static async create(url: string, schema: string, workers: number, cleanups: Cleanups): Promise<BaselineSubject> {
    cleanups.add('drop baseline schema', () => dropSchema(url, schema));
    await createSchema(url, schema);
    const table = `${quoteIdent(schema)}.messages`;
    const pool = new pg.Pool({ connectionString: url, max: workers, application_name: 'trace-lite bench baseline' });
    pool.on('error', () => undefined);
    cleanups.add('close baseline pool', () => pool.end());
    await pool.query(`CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL)`);
    return new BaselineSubject(pool, table);
  }

  async enqueueBatch(batch: readonly BenchPayload[]): Promise<void> {
    await this.pool.query(this.insertSql, [batch.map((p) => JSON.stringify(p))]);
  }

  async consume(max: number): Promise<number> {
    const { rowCount } = await this.pool.query<{ id: string; payload: BenchPayload }>(this.takeSql, [max]);
    return rowCount ?? 0;
  }

  async settle(): Promise<void> {
    await this.pool.query(`VACUUM ANALYZE ${this.table}`);
  }
}
