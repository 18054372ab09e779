import type { PgClient, Queryable } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import type { TaskStore } from './tasks/taskStore.js';

const SQL = loadStatements('state/sync.sql', ['lockJobStreams', 'failedRanges', 'replanRange'] as const);

export interface FailedRange {
  stream: string;
  start: number;
  end: number;
  error: string | null;
}

interface FailedRangeRow {
  stream_key: string;
  range_start: string;
  range_end: string;
  error: string | null;
  operator: string;
  params: Record<string, unknown>;
  name: string;
}

const failedRange = (r: FailedRangeRow): FailedRange => ({ stream: r.stream_key, start: Number(r.range_start), end: Number(r.range_end), error: r.error });

/** The job's ranges whose task failed for good, with the error it failed with. */
export async function failedRanges(db: Queryable, jobId: string): Promise<FailedRange[]> {
  return (await db.query<FailedRangeRow>(SQL.failedRanges, [jobId])).rows.map(failedRange);
}

/**
 * Plans the job's failed ranges again, in the caller's transaction: with the job's streams locked
 * (no planner or invalidation meanwhile), each failed range gets a new task with the same params
 * and its ledger row points at it, so the range is ingested once more and still planned once.
 */
export async function replanFailedRanges(client: PgClient, tasks: TaskStore, jobId: string): Promise<FailedRange[]> {
  await client.query(SQL.lockJobStreams, [jobId]);
  const failed = (await client.query<FailedRangeRow>(SQL.failedRanges, [jobId])).rows;
  for (const r of failed) {
    const { tasks: created } = await tasks.runs.submitRunIn(client, {
      name: `${r.stream_key}/${r.range_start}-${r.range_end} (retry)`,
      tasks: [{ name: r.name, operator: r.operator, params: r.params, depends_on: [] }],
    });
    await client.query(SQL.replanRange, [jobId, r.stream_key, r.range_start, created[r.name]]);
  }
  return failed.map(failedRange);
}
