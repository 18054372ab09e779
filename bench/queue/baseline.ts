/**
 * The plain-SQL baseline: the least a Postgres queue can do. INSERT from unnest, and DELETE of the
 * oldest rows FOR UPDATE SKIP LOCKED. Same jsonb payload and the same pool size as pgqueue, so the
 * ratio prices exactly what pgqueue adds (visibility, receipts, dead letters, wake-ups).
 *
 * The DELETE takes its ids as `id = ANY (ARRAY(subquery))` rather than `id IN (subquery)`: at a
 * 20k-row backlog the planner turns the IN form into a hash semi join over a seq scan of the whole
 * table on every call (2.0 ms vs 0.1 ms per 100 rows, EXPLAIN ANALYZE), which halves the baseline
 * (IN 127–135k/s vs ANY 229–260k/s, 4 consumers, 3 runs each) and would flatter pgqueue's ratio.
 * The IN form is still measured each round and reported as consume_batch_in_subquery_per_s.
 */
import pg from 'pg';
import { createSchema, dropSchema, quoteIdent, walPosition, type Cleanups } from './database.js';
import { perSecond, type BenchPayload } from './stats.js';
import { drainQueueMs, fillMs, type QueueSubject, type WorkloadShape } from './workload.js';

export type TakeForm = 'any_array' | 'in_subquery';

export class BaselineSubject implements QueueSubject {
  readonly name = 'baseline';
  private readonly insertSql: string;
  private readonly takeSql: Record<TakeForm, string>;
  /** Which DELETE consume() runs. */
  form: TakeForm = 'any_array';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
  ) {
    this.insertSql = `INSERT INTO ${table} (payload) SELECT p FROM unnest($1::jsonb[]) AS p`;
    const oldest = `SELECT id FROM ${table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`;
    this.takeSql = {
      any_array: `DELETE FROM ${table} WHERE id = ANY (ARRAY(${oldest})) RETURNING id, payload`,
      in_subquery: `DELETE FROM ${table} WHERE id IN (${oldest}) RETURNING id, payload`,
    };
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
    const { rowCount } = await this.pool.query<{ id: string; payload: BenchPayload }>(this.takeSql[this.form], [max]);
    return rowCount ?? 0;
  }

  async settle(): Promise<void> {
    await this.pool.query(`VACUUM ANALYZE ${this.table}`);
  }

  walPosition(): Promise<bigint> {
    return walPosition(this.pool);
  }

  /** consume_batch with the literal `id IN (subquery)` DELETE, for comparison (see the header). */
  async inSubqueryBatchRate(shape: WorkloadShape): Promise<number> {
    let ms = 0;
    for (let cycle = 0; cycle < shape.batchCycles; cycle++) {
      await fillMs(this, shape, shape.batch);
      this.form = 'in_subquery';
      try {
        ms += await drainQueueMs(this, shape, shape.batch);
      } finally {
        this.form = 'any_array';
      }
    }
    return perSecond(shape.messages * shape.batchCycles, ms);
  }
}
