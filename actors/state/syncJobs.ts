import { withTransaction, type PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import type { ColumnSelection } from '../../drivers/datasets/catalog.js';
import { INGEST_OPERATOR, type SyncJobSpec, type SyncMode } from './syncJobSpec.js';
import type { TaskStore } from './tasks/taskStore.js';
import { fenceParams, type Fence } from './tasks/taskTypes.js';
import { invalidateFrom } from './rangeInvalidation.js';
import { notifyDispatchers } from './dispatchEvents.js';
import type { Compactions, DatasetTiers } from './compactions.js';
import { failedRanges, replanFailedRanges, type FailedRange } from './rangeRetry.js';
import { failpoint, safeguardSkipped } from '../../runtime/failpoints.js';

const SQL = loadStatements('state/sync.sql', [
  'upsertJob',
  'upsertStream',
  'setJobStatus',
  'findJob',
  'listJobs',
  'lockPlannableStreams',
  'rangesInFlight',
  'insertRange',
  'advanceCursor',
  'followHeadStreams',
  'setTarget',
  'recordStaleHead',
  'streamStatus',
  'followedTips',
  'recordReorg',
  'recordRangeFetched',
] as const);

/**
 * Ranges of a stream in flight at most, as a multiple of its max_inflight: max_inflight of them
 * being read from the node, as many again being decoded, written, uploaded and committed. The
 * next range's fetch thus overlaps the previous range's processing (bench/ingest: a slot that
 * waited for its range's commit, its successor's planning and claim read the node ~40% of the
 * time), and the memory held for ranges read and not yet committed stays bounded.
 */
export const PIPELINED_RANGES_PER_SLOT = 2;

/** How deep the tip follower compares ingested block hashes with the node's (blocks). */
export const REORG_CHECK_DEPTH = 64;

export interface ReorgFound {
  jobId: string;
  fromBlock: number;
}

/** The node's canonical hash of each block number asked for (lower-case 0x hex). */
export type CanonicalHashes = (rpcPool: string, blocks: number[]) => Promise<Map<number, string>>;


export interface IngestParams {
  job_id: string;
  stream: string;
  dataset: string;
  chain_id: number;
  rpc_pool: string;
  start: number;
  end: number;
  /** Also write the range's hot rows: only a range reaching into the hot tier of the stream's target. */
  hot: boolean;
  /** The stream's file columns, when its job file chose them. */
  columns?: ColumnSelection;
  /** A logs stream's event signature: only its logs, with decoded columns in the files. */
  event?: string;
}

/** What the planner needs of the tiering: where the hot tier starts and how big a compacted file is. */
export interface BackfillPolicy {
  /** TRACE_HOT_RETENTION_BLOCKS. */
  retentionBlocks: number;
  /** TRACE_COMPACTION_BLOCKS. */
  compactionBlocks: number;
}

export interface SyncJobRow {
  job_id: string;
  name: string;
  chain_id: string;
  mode: SyncMode;
  spec: SyncJobSpec;
  status: 'active' | 'paused';
  created_at: Date;
}

/** A chain head as a follow_head poll read it. */
export interface HeadBlock {
  number: number;
  /** The block's timestamp, epoch seconds. */
  timestamp: number;
}

/** The head a follow_head stream last read, and whether it is too old to plan from. */
export interface StreamHead {
  block: number;
  age_seconds: number;
  /** Older than the job's max_head_age_seconds: planning past the stream's target pauses. */
  stale: boolean;
}

export interface StreamStatus {
  dataset: string;
  cursor: number;
  target: number | null;
  chunk_size: number;
  max_inflight: number;
  ranges_done: number;
  ranges_in_flight: number;
  ranges_failed: number;
  blocks_done: number;
  rows: number;
  blocks_per_s: number | null;
  /** follow_head only: the head the last poll read. */
  head: StreamHead | null;
}

export interface JobStatus {
  job_id: string;
  name: string;
  chain_id: number;
  status: 'active' | 'paused';
  mode: SyncMode;
  complete: boolean;
  streams: Record<string, StreamStatus>;
  /** Ranges whose task failed for good, with its error: `trace-lite retry --job` plans them again. */
  failed_ranges: FailedRange[];
  /** Why planning is paused while the job is active (a head older than max_head_age_seconds), or null. */
  planning_paused: string | null;
  /** Per dataset the job syncs: the blocks served from hot rows, those served from files, and what compaction has still to merge. */
  tiers: Record<string, DatasetTiers>;
}

interface PlannableStream {
  job_id: string;
  job_name: string;
  stream_key: string;
  dataset: string;
  rpc_pool: string;
  chunk_size: number;
  max_inflight: number;
  cursor: string;
  target: string;
  chain_id: string;
  inflight: number;
  /** In flight and not yet read by their current attempt. */
  fetching: number;
  columns: ColumnSelection | null;
  event: string | null;
}

/** How many ranges a stream may get now: a free fetch slot each, within the pipeline's bound. */
export function rangesToPlan(stream: Pick<PlannableStream, 'max_inflight' | 'inflight' | 'fetching'>): number {
  return Math.max(0, Math.min(stream.max_inflight - stream.fetching, PIPELINED_RANGES_PER_SLOT * stream.max_inflight - stream.inflight));
}

/**
 * The end of the next range from `cursor`: far below the stream's target (the whole range at least
 * the hot retention below it) a backfill range is a compacted file's span (aligned to it, or the
 * chunk size when larger) and is written cold only, as compaction would leave it; near the target,
 * `chunk_size` blocks. Writing cold directly at that size costs one Parquet write per span instead
 * of small files and hot rows that compaction reads back and merges, and a tenth of the tasks.
 */
export function plannedRangeEnd(cursor: number, target: number, chunkSize: number, backfill: BackfillPolicy): number {
  const span = backfill.compactionBlocks;
  const backfillEnd = Math.floor((cursor + Math.max(chunkSize, span)) / span) * span;
  if (backfillEnd <= target - backfill.retentionBlocks) return backfillEnd;
  return Math.min(cursor + chunkSize, target);
}

/** Whether a head read `ageSeconds` ago is too old for the job to plan from. */
export function headIsStale(mode: SyncMode, ageSeconds: number): boolean {
  return mode.kind === 'follow_head' && mode.max_head_age_seconds !== undefined && ageSeconds > mode.max_head_age_seconds;
}

function streamHead(mode: SyncMode, block: string | null, ageSeconds: number | null): StreamHead | null {
  if (block === null || ageSeconds === null) return null;
  return { block: Number(block), age_seconds: Math.round(ageSeconds * 10) / 10, stale: headIsStale(mode, ageSeconds) };
}

export class UnknownJobError extends Error {
  override name = 'UnknownJobError';
}

/**
 * chain_sync jobs in Postgres: apply (idempotent by name), pause/resume, the planner's step and
 * status. Planning locks each stream, creates one task per range together with its ledger row and
 * the cursor move in one transaction, so a range is never planned twice, whoever plans.
 */
export class SyncJobs {
  constructor(
    private readonly pool: PgPool,
    private readonly tasks: TaskStore,
    private readonly dataSchema: string,
    /** LISTEN/NOTIFY channel that wakes dispatchers (dispatchEvents.ts). */
    private readonly dispatchChannel: string,
    private readonly backfill: BackfillPolicy,
    private readonly compactions: Compactions,
  ) {}

  async apply(spec: SyncJobSpec): Promise<{ jobId: string; created: boolean }> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ job_id: string; created: boolean }>(SQL.upsertJob, [
        spec.name,
        spec.chain_id,
        JSON.stringify(spec.mode),
        JSON.stringify(spec),
      ]);
      const { job_id: jobId, created } = rows[0]!;
      const target = spec.mode.kind === 'fixed_target' ? spec.mode.to_block : null;
      for (const [key, stream] of Object.entries(spec.streams)) {
        await client.query(SQL.upsertStream, [
          jobId,
          key,
          stream.cryo_dataset_name,
          stream.rpc_pool,
          stream.chunk_size,
          stream.max_inflight,
          spec.mode.from_block,
          target,
        ]);
      }
      await notifyDispatchers(client, this.dispatchChannel, 'plan');
      return { jobId, created };
    });
  }

  async find(idOrName: string): Promise<SyncJobRow> {
    const row = (await this.pool.query<SyncJobRow>(SQL.findJob, [idOrName])).rows[0];
    if (!row) throw new UnknownJobError(`no chain_sync job ${idOrName}`);
    return row;
  }

  async list(): Promise<SyncJobRow[]> {
    return (await this.pool.query<SyncJobRow>(SQL.listJobs)).rows;
  }

  async setStatus(idOrName: string, status: 'active' | 'paused'): Promise<void> {
    const job = await this.find(idOrName);
    await withTransaction(this.pool, async (client) => {
      await client.query(SQL.setJobStatus, [job.job_id, status]);
      await notifyDispatchers(client, this.dispatchChannel, 'plan');
    });
  }

  /**
   * Plans ranges for every stream with a free fetch slot (max_inflight ranges being read at once)
   * and blocks left before its target; returns how many.
   */
  async planOnce(): Promise<number> {
    await failpoint('planner.tick');
    return withTransaction(this.pool, async (client) => {
      const locked = (await client.query<Omit<PlannableStream, 'inflight' | 'fetching'>>(SQL.lockPlannableStreams)).rows;
      const counts = (
        await client.query<{ job_id: string; stream_key: string; inflight: number; fetching: number }>(SQL.rangesInFlight, [
          locked.map((s) => s.job_id),
          locked.map((s) => s.stream_key),
        ])
      ).rows;
      const streams: PlannableStream[] = locked.map((s) => {
        const c = counts.find((r) => r.job_id === s.job_id && r.stream_key === s.stream_key);
        return { ...s, inflight: c?.inflight ?? 0, fetching: c?.fetching ?? 0 };
      });
      let planned = 0;
      for (const s of streams) {
        let cursor = Number(s.cursor);
        const target = Number(s.target);
        for (let slots = rangesToPlan(s); slots > 0 && cursor < target; slots--) {
          const end = plannedRangeEnd(cursor, target, s.chunk_size, this.backfill);
          const params: IngestParams = {
            job_id: s.job_id,
            stream: s.stream_key,
            dataset: s.dataset,
            chain_id: Number(s.chain_id),
            rpc_pool: s.rpc_pool,
            start: cursor,
            end,
            hot: end > target - this.backfill.retentionBlocks,
            ...(s.columns === null ? {} : { columns: s.columns }),
            ...(s.event === null ? {} : { event: s.event }),
          };
          const { tasks } = await this.tasks.runs.submitRunIn(client, {
            name: `${s.job_name}/${s.stream_key}/${cursor}-${end}`,
            tasks: [{ name: 'ingest', operator: INGEST_OPERATOR, params: { ...params }, depends_on: [] }],
          });
          await client.query(SQL.insertRange, [s.job_id, s.stream_key, cursor, end, tasks.ingest]);
          await failpoint('planner.inTransaction', { jobId: s.job_id, stream: s.stream_key, start: cursor, end });
          cursor = end;
          planned += 1;
        }
        await client.query(SQL.advanceCursor, [s.job_id, s.stream_key, cursor]);
      }
      return planned;
    });
  }

  /**
   * The running attempt `fence` has read its range from the node: if it is a chain_sync range, its
   * fetch slot is free and the planners are woken to plan the successor. A fence that no longer
   * holds its lease changes nothing (its commit will be refused).
   */
  async rangeFetched(fence: Fence): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(SQL.recordRangeFetched, fenceParams(fence));
      if (rowCount) await notifyDispatchers(client, this.dispatchChannel, 'plan');
    });
  }

  /** The streams of active follow_head jobs, each with whether its head poll is due. */
  async followHeadStreams(): Promise<{ job_id: string; stream_key: string; rpc_pool: string; mode: SyncMode; due: boolean }[]> {
    return (await this.pool.query(SQL.followHeadStreams)).rows;
  }

  /**
   * Moves a follow_head stream's target to `endExclusive` (never backwards), recording the head it
   * was read from when given; a move wakes the planners.
   */
  async setTarget(jobId: string, streamKey: string, endExclusive: number, head?: HeadBlock): Promise<void> {
    const { rows } = await this.pool.query<{ moved: boolean }>(SQL.setTarget, [jobId, streamKey, endExclusive, head?.number ?? null, head?.timestamp ?? null]);
    if (rows[0]?.moved) await notifyDispatchers(this.pool, this.dispatchChannel, 'plan');
  }

  /** Records a head older than the job's max_head_age_seconds; the stream's target holds. */
  async recordStaleHead(jobId: string, streamKey: string, head: HeadBlock): Promise<void> {
    await this.pool.query(SQL.recordStaleHead, [jobId, streamKey, head.number, head.timestamp]);
  }

  /**
   * Tip follower: compares the newest ingested blocks of every follow_head job with the node's
   * canonical hashes; from the first block that differs, records the reorg and invalidates the
   * job's ranges in the same transaction (see rangeInvalidation.ts), so the planner ingests them again.
   */
  async detectReorgs(canonical: CanonicalHashes): Promise<{ followed: number; reorgs: ReorgFound[] }> {
    const rows = (
      await this.pool.query<{ job_id: string; chain_id: string; rpc_pool: string; block_number: string; block_hash: Buffer }>(SQL.followedTips, [
        REORG_CHECK_DEPTH,
      ])
    ).rows;
    const byJob = new Map<string, typeof rows>();
    for (const r of rows) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r]);
    const found: ReorgFound[] = [];
    if (safeguardSkipped('syncJobs.detectReorgs')) return { followed: byJob.size, reorgs: found };
    for (const [jobId, tips] of byJob) {
      const hashes = await canonical(tips[0]!.rpc_pool, tips.map((r) => Number(r.block_number)));
      const first = tips.find((r) => hashes.get(Number(r.block_number)) !== `0x${r.block_hash.toString('hex')}`);
      if (!first) continue;
      const fromBlock = Number(first.block_number);
      const newHash = hashes.get(fromBlock);
      await withTransaction(this.pool, async (client) => {
        await client.query(SQL.recordReorg, [
          jobId,
          first.chain_id,
          fromBlock,
          first.block_hash,
          newHash ? Buffer.from(newHash.slice(2), 'hex') : Buffer.alloc(0),
        ]);
        await invalidateFrom(client, this.dataSchema, {
          jobId,
          chainId: Number(first.chain_id),
          fromBlock,
          reason: `range invalidated: chain reorganised from block ${fromBlock}`,
        });
        await notifyDispatchers(client, this.dispatchChannel, 'plan');
      });
      found.push({ jobId, fromBlock });
    }
    return { followed: byJob.size, reorgs: found };
  }

  /** Plans the job's failed ranges again (see rangeRetry.ts); returns them. */
  async retryFailed(idOrName: string): Promise<FailedRange[]> {
    const job = await this.find(idOrName);
    return withTransaction(this.pool, async (client) => {
      const retried = await replanFailedRanges(client, this.tasks, job.job_id);
      await notifyDispatchers(client, this.dispatchChannel, 'plan');
      return retried;
    });
  }

  async status(idOrName: string): Promise<JobStatus> {
    const job = await this.find(idOrName);
    const rows = (
      await this.pool.query<{
        stream_key: string;
        dataset: string;
        cursor: string;
        target: string | null;
        chunk_size: number;
        max_inflight: number;
        ranges_done: number;
        ranges_in_flight: number;
        ranges_failed: number;
        blocks_done: string;
        rows: string;
        elapsed_seconds: number | null;
        head_block: string | null;
        head_age_seconds: number | null;
      }>(SQL.streamStatus, [job.job_id])
    ).rows;
    const streams: Record<string, StreamStatus> = {};
    for (const r of rows) {
      const blocksDone = Number(r.blocks_done);
      streams[r.stream_key] = {
        dataset: r.dataset,
        cursor: Number(r.cursor),
        target: r.target === null ? null : Number(r.target),
        chunk_size: r.chunk_size,
        max_inflight: r.max_inflight,
        ranges_done: r.ranges_done,
        ranges_in_flight: r.ranges_in_flight,
        ranges_failed: r.ranges_failed,
        blocks_done: blocksDone,
        rows: Number(r.rows),
        blocks_per_s: r.elapsed_seconds && r.elapsed_seconds > 0 ? Math.round((blocksDone / r.elapsed_seconds) * 10) / 10 : null,
        head: streamHead(job.mode, r.head_block, r.head_age_seconds),
      };
    }
    const stale = Object.entries(streams).filter(([, s]) => s.head?.stale);
    const planningPaused =
      stale.length === 0 || job.mode.kind !== 'follow_head'
        ? null
        : `head block ${stale[0]![1].head!.block} is ${Math.round(stale[0]![1].head!.age_seconds)}s old (max_head_age_seconds ${job.mode.max_head_age_seconds}): planning paused for ${stale.map(([key]) => key).join(', ')}`;
    const complete =
      job.mode.kind === 'fixed_target' &&
      Object.values(streams).every((s) => s.target !== null && s.cursor >= s.target && s.ranges_in_flight === 0 && s.ranges_failed === 0);
    const failed = await failedRanges(this.pool, job.job_id);
    const tiers = await this.compactions.tiers(Number(job.chain_id), [...new Set(Object.values(streams).map((s) => s.dataset))]);
    return {
      job_id: job.job_id,
      name: job.name,
      chain_id: Number(job.chain_id),
      status: job.status,
      mode: job.mode,
      complete,
      streams,
      failed_ranges: failed,
      planning_paused: planningPaused,
      tiers,
    };
  }
}
