/**
 * The plain-SQL limit: the least a Postgres queue can do, prepared. INSERT from unnest (or one
 * INSERT per message), and a DELETE of the oldest rows FOR UPDATE SKIP LOCKED … RETURNING, in two
 * forms: by id (`id = ANY (ARRAY(subquery))`) and by ctid (`ctid = ANY (ARRAY(subquery))`, a TID
 * scan with no index probe per row). Both are measured each round; the faster is the limit
 * (`baseline.*`, its name in `baseline.form`), the other is reported beside it.
 *
 * Not `id IN (subquery)`: at a 20k-row backlog the planner turns the IN form into a hash semi join
 * over a seq scan of the whole table on every call (2.0 ms vs 0.1 ms per 100 rows, EXPLAIN
 * ANALYZE), which halves the baseline and would flatter pgqueue's ratio.
 *
 * The take keeps `LIMIT $1` (re-planned per call): a one-table statement plans in 0.04–0.06 ms
 * (EXPLAIN ANALYZE at a 20k backlog), so capping it for a generic plan, as pgqueue's receive
 * does to save 0.2–0.5 ms of planning a join, would gain the baseline nothing measurable.
 */
import type pg from 'pg';
import type { Cleanups } from './database.js';
import { PlainSqlSubject, plainSqlTable } from './plainSqlSubject.js';

export const TAKE_FORMS = ['id', 'ctid'] as const;
export type TakeForm = (typeof TAKE_FORMS)[number];

export class BaselineSubject extends PlainSqlSubject {
  readonly name: string;
  protected readonly insertBatch: pg.QueryConfig;
  protected readonly insertOne: pg.QueryConfig;
  private readonly take: pg.QueryConfig;

  private constructor(
    t: Awaited<ReturnType<typeof plainSqlTable>>,
    readonly form: TakeForm,
  ) {
    super(t);
    this.name = `baseline (${form})`;
    const table = this.table;
    this.insertBatch = { name: `baseline_insert_batch`, text: `INSERT INTO ${table} (payload) SELECT p FROM unnest($1::jsonb[]) AS p` };
    this.insertOne = { name: `baseline_insert_one`, text: `INSERT INTO ${table} (payload) VALUES ($1)` };
    const oldest = `SELECT ${form} FROM ${table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`;
    this.take = { name: `baseline_take_${form}`, text: `DELETE FROM ${table} WHERE ${form} = ANY (ARRAY(${oldest})) RETURNING id, payload` };
  }

  static async create(url: string, schema: string, form: TakeForm, workers: number, cleanups: Cleanups): Promise<BaselineSubject> {
    const t = await plainSqlTable(url, schema, workers, cleanups, 'id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload jsonb NOT NULL');
    return new BaselineSubject(t, form);
  }

  async consume(max: number): Promise<number> {
    const { rowCount } = await this.pool.query({ ...this.take, values: [max] });
    return rowCount ?? 0;
  }
}
