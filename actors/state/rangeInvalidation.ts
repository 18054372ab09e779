import { isHotDataset } from '../../drivers/datasets/catalog.js';
import type { PgClient } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { forgetBlockHashesFrom } from './blockHashes.js';
import { deleteHotRowsFrom } from './hotRows.js';
import { settleRun } from './tasks/attemptTransitions.js';

const SQL = loadStatements('state/sync.sql', [
  'lockJobStreams',
  'lockVersionsReaching',
  'compactedReaching',
  'rangesReaching',
  'cancelRangeTasks',
  'forgetRanges',
  'forgetVersions',
  'rewindCursor',
] as const);

export interface Invalidation {
  jobId: string;
  chainId: number;
  /** The first block that is no longer canonical. */
  fromBlock: number;
  /** Why, as the cancelled tasks' error says it. */
  reason: string;
}

export interface InvalidationResult {
  ranges: number;
  cancelledTasks: number;
}

/**
 * Forgets everything a job derived from block `fromBlock` on, in the caller's transaction, in an
 * order that closes every race with a planner or a commit:
 * 1. the job's streams are locked, so no planning transaction is half-way or starts meanwhile, and
 *    so are its datasets' versions reaching `fromBlock`, so no compaction of them is half-way; a
 *    live compacted version reaching `fromBlock` moves the start back to its own first block (the
 *    small ranges it merged are ingested again; compaction only merges below the hot boundary,
 *    TRACE_HOT_RETENTION_BLOCKS behind the tip, deeper than the tip follower looks, so this is a
 *    safety net rather than the rule);
 * 2. the tasks of the ranges reaching `fromBlock` are cancelled: a running attempt loses its lease
 *    token (its heartbeat, commit and completion are refused) and a commit in flight is waited for;
 * 3. their ledger rows and the versions their tasks registered go (the versions' objects back to
 *    staging for the janitor), with the hot rows and the recorded block hashes from `fromBlock` on;
 * 4. each stream's cursor moves back to its first forgotten range, so those ranges are planned again.
 */
export async function invalidateFrom(client: PgClient, dataSchema: string, invalidation: Invalidation): Promise<InvalidationResult> {
  const { jobId, chainId, reason } = invalidation;
  const streams = (await client.query<{ stream_key: string; dataset: string }>(SQL.lockJobStreams, [jobId])).rows;
  const datasets = [...new Set(streams.map((s) => s.dataset))];
  await client.query(SQL.lockVersionsReaching, [chainId, datasets, invalidation.fromBlock]);
  const compacted = (await client.query<{ first_block: string | null }>(SQL.compactedReaching, [chainId, datasets, invalidation.fromBlock])).rows[0]!.first_block;
  const fromBlock = compacted === null ? invalidation.fromBlock : Math.min(invalidation.fromBlock, Number(compacted));
  const ranges = (await client.query<{ stream_key: string; range_start: string; task_id: string }>(SQL.rangesReaching, [jobId, fromBlock])).rows;
  const taskIds = ranges.map((r) => r.task_id);
  const cancelled = (await client.query<{ task_id: string; run_id: string }>(SQL.cancelRangeTasks, [taskIds, reason])).rows;
  for (const c of cancelled) await settleRun(client, c.task_id, c.run_id, true);
  await client.query(SQL.forgetRanges, [jobId, fromBlock]);
  await client.query(SQL.forgetVersions, [taskIds]);
  await forgetBlockHashesFrom(client, chainId, fromBlock);
  for (const dataset of datasets) {
    if (isHotDataset(dataset)) await deleteHotRowsFrom(client, dataSchema, dataset, chainId, fromBlock);
  }
  const firstStart = new Map<string, number>();
  for (const r of ranges) firstStart.set(r.stream_key, Math.min(firstStart.get(r.stream_key) ?? Infinity, Number(r.range_start)));
  for (const [stream, start] of firstStart) await client.query(SQL.rewindCursor, [jobId, stream, start]);
  return { ranges: ranges.length, cancelledTasks: cancelled.length };
}
