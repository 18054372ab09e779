/**
 * The semantic reference: pgqueue's promises written the plain way, as pgmq does. A receive is an
 * UPDATE that hides the oldest visible rows (visibility time, read count) FOR UPDATE SKIP LOCKED
 * and returns them; an ack is a DELETE by id. The table has pgmq's indexes (the id key and one on
 * the visibility time). Between the limit and this reference lies what visibility timeouts cost;
 * between this reference and pgqueue, what pgqueue adds or saves.
 */
import type pg from 'pg';
import type { Cleanups } from './database.js';
import { PlainSqlSubject, plainSqlTable } from './plainSqlSubject.js';

/** Long enough that no delivery lapses during a phase (as the drivers' VISIBILITY_SECONDS). */
const VISIBILITY = '60 seconds';

export class ReferenceSubject extends PlainSqlSubject {
  readonly name = 'reference';
  protected readonly insertBatch: pg.QueryConfig;
  protected readonly insertOne: pg.QueryConfig;
  private readonly read: pg.QueryConfig;
  private readonly remove: pg.QueryConfig;

  private constructor(t: Awaited<ReturnType<typeof plainSqlTable>>) {
    super(t);
    const table = this.table;
    this.insertBatch = { name: 'reference_insert_batch', text: `INSERT INTO ${table} (message) SELECT p FROM unnest($1::jsonb[]) AS p` };
    this.insertOne = { name: 'reference_insert_one', text: `INSERT INTO ${table} (message) VALUES ($1)` };
    this.read = {
      name: 'reference_read',
      text: `WITH picked AS (
               SELECT msg_id FROM ${table} WHERE vt <= clock_timestamp() ORDER BY msg_id LIMIT $1 FOR UPDATE SKIP LOCKED)
             UPDATE ${table} m SET vt = clock_timestamp() + interval '${VISIBILITY}', read_ct = read_ct + 1
             FROM picked p WHERE m.msg_id = p.msg_id
             RETURNING m.msg_id, m.read_ct, m.enqueued_at, m.message`,
    };
    this.remove = { name: 'reference_delete', text: `DELETE FROM ${table} WHERE msg_id = ANY ($1::bigint[])` };
  }

  static async create(url: string, schema: string, workers: number, cleanups: Cleanups): Promise<ReferenceSubject> {
    const t = await plainSqlTable(
      url,
      schema,
      workers,
      cleanups,
      `msg_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, read_ct integer NOT NULL DEFAULT 0,
       enqueued_at timestamptz NOT NULL DEFAULT now(), vt timestamptz NOT NULL DEFAULT clock_timestamp(), message jsonb`,
      (table) => [`CREATE INDEX ON ${table} (vt)`],
    );
    return new ReferenceSubject(t);
  }

  /** Reads up to `max` messages, then deletes them by id (the ack), as two statements like a consumer's. */
  async consume(max: number): Promise<number> {
    const { rows } = await this.pool.query<{ msg_id: string }>({ ...this.read, values: [max] });
    if (rows.length > 0) await this.pool.query({ ...this.remove, values: [rows.map((r) => r.msg_id)] });
    return rows.length;
  }
}
