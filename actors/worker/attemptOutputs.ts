import { performance } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { cryoNetworkName } from '../../drivers/datasets/cryoSchemas.js';
import type { ParquetCompression } from '../../drivers/parquet/parquetWriter.js';
import { MAX_UPLOAD_MS, type PutResult } from '../../drivers/store/objectStore.js';
import type { CompactionResult } from './jobs/compaction.js';
import type { FetchedRange, FetchRangeInput } from './jobs/ingest.js';
import { replaceHotRange, type HotRange } from '../state/hotRows.js';
import { recordBlockHashes } from '../state/blockHashes.js';
import type { BlockHashes } from '../../drivers/chain/datasets.js';
import type { Config } from '../../runtime/config.js';
import type { SchemaNames } from '../../drivers/postgres/postgres.js';
import type { RpcPools } from '../../drivers/chain/rpcPools.js';
import type { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import type { NodeThreadPool, ThreadJobs } from '../threadJobs.js';
import type { ThreadJobInput, ThreadJobOutput } from '../../runtime/threads/threadJobTable.js';
import type { RunOptions } from '../../runtime/threads/threadPool.js';
import type { BufferBatches } from '../state/bufferBatches.js';
import type { DatasetRegistry } from '../state/datasetRegistry.js';
import type { CommitResult, StagedVersion } from '../state/datasetRegistry.js';
import { bufferKey, cryoFileName, stagingPrefix } from '../state/stagingKeys.js';
import { LeaseLostError, type Fence } from '../state/tasks/taskTypes.js';
import { failpoint, safeguardSkipped } from '../../runtime/failpoints.js';
import type { StageClock, StageTimings } from './stageTimings.js';
import type { SyncJobs } from '../state/syncJobs.js';

export type VersionToCommit = Omit<StagedVersion, 'manifestKey'>;

/** What commits with a version, in its transaction. */
export interface CommitOptions {
  /** The range's hot rows, replacing those it had. */
  hot?: HotRange;
  /** The hashes of the blocks the range was read at: a range read from a replaced fork is refused. */
  blockHashes?: BlockHashes;
  /** Adds `manifest` (its upload), `copy` (the hot rows' delete + COPY) and `commit` (the rest of the transaction). */
  clock?: StageClock;
}

const encoder = new TextEncoder();

/** What an attempt's writes go through: the node's stores, pools and bucket names (a node's Runtime has them all). */
export interface AttemptOutputsDeps {
  config: Pick<Config, 'bucketDatasets' | 'bucketResults' | 'bucketScratch'>;
  schemas: SchemaNames;
  registry: DatasetRegistry;
  buffers: BufferBatches;
  objects: LazyObjectStore;
  threads: NodeThreadPool;
  rpc: () => Promise<RpcPools>;
  syncJobs: Pick<SyncJobs, 'rangeFetched'>;
}

/** A range ingested by ingestRange: its staged Parquet file, its hot rows and the hashes it was read at. */
export type IngestedRange = CompactionResult & Pick<FetchedRange, 'copyText' | 'blockHashes'>;

/** Thread jobs that say where their time went. */
type TimedJob = 'fetchRange' | 'compactToParquet';

/**
 * What an operator's attempt may write, each write fenced by the attempt: staged objects (recorded
 * in Postgres before upload, under keys that carry task id and attempt, each upload bound to the
 * deadline recorded with its key), the commit that registers them with a `_manifest.json` beside
 * them, and buffered row batches for the sink. A fenced write refused because the lease is lost
 * is reported to `onLeaseLost` before the error reaches the operator, which may swallow it.
 */
export class AttemptOutputs {
  constructor(
    private readonly rt: AttemptOutputsDeps,
    private readonly fence: Fence,
    private readonly onLeaseLost: (err: LeaseLostError) => void = () => undefined,
  ) {}

  /** The configured bucket names. */
  get buckets(): { datasets: string; results: string; scratch: string } {
    const { bucketDatasets, bucketResults, bucketScratch } = this.rt.config;
    return { datasets: bucketDatasets, results: bucketResults, scratch: bucketScratch };
  }

  /** Where this attempt stages files of a dataset. */
  stagingPrefix(dataset: string, chainId: number): string {
    return stagingPrefix(dataset, chainId, this.fence);
  }

  /** This attempt's staging key of a range's file, named the Cryo way (`network` defaults to Cryo's name for the chain). */
  stagingKey(dataset: string, chainId: number, start: number, end: number, network = cryoNetworkName(chainId)): string {
    return `${this.stagingPrefix(dataset, chainId)}${cryoFileName(network, dataset, start, end)}`;
  }

  /** Uploads one staged object; it stays invisible until a commit registers it. */
  async stage(bucket: string, key: string, body: Uint8Array): Promise<PutResult> {
    const store = await this.rt.objects.get();
    return this.staged(bucket, key, (deadline) => store.put(bucket, key, body, { deadline }));
  }

  /**
   * Compacts Arrow IPC chunks into one Parquet object at a staging key on the thread pool; the
   * chunks' buffers are moved to the pool thread (detached here afterwards). `clock` gets
   * `record_staged`, `parquet`, `upload` and `thread_queue`.
   */
  async stageParquet(
    bucket: string,
    key: string,
    ipc: ArrayBuffer[],
    options: { compression?: ParquetCompression; rowGroupRows?: number; signal?: AbortSignal; clock?: StageClock } = {},
  ): Promise<CompactionResult> {
    const { clock, signal } = options;
    const { connection } = await this.rt.objects.opened();
    const { stages: _stages, ...written } = await this.staged(
      bucket,
      key,
      (deadline) =>
        this.runTimed(
          'compactToParquet',
          { ipc, compression: options.compression ?? 'zstd', rowGroupRows: options.rowGroupRows, store: connection, bucket, key, deadline },
          { transfer: ipc, signal },
          clock,
        ),
      clock,
    );
    return written;
  }

  /**
   * Merges registered Parquet objects into one at a staging key on the thread pool (a compaction);
   * the key is recorded as staged first.
   */
  async mergeParquet(key: string, sources: { bucket: string; key: string }[], signal?: AbortSignal): Promise<CompactionResult> {
    const bucket = this.buckets.datasets;
    const { connection } = await this.rt.objects.opened();
    return this.staged(bucket, key, (deadline) => this.rt.threads.run('mergeParquetFiles', { sources, store: connection, bucket, key, compression: 'zstd', deadline }, { signal }));
  }

  /**
   * One cryo_ingest range on the thread pool: read and decoded (fetchRange, hot rows as COPY text),
   * then written as Parquet into `key`, recorded as staged first. `onFetched` runs as soon as the
   * thread says the node's part is over (before its decode), beside the rest of the job: the
   * planner's hops to the successor's claim overlap the decode instead of following it. `clock`
   * gets every stage of both jobs and `thread_queue` (waiting for a pool thread and crossing).
   */
  async ingestRange(
    key: string,
    range: Pick<FetchRangeInput, 'dataset' | 'chainId' | 'start' | 'end' | 'hot' | 'balances' | 'event'> & { rpcPool: string; columns?: string[] | undefined },
    options: { signal?: AbortSignal; clock?: StageClock; onFetched?: () => Promise<void> } = {},
  ): Promise<IngestedRange> {
    const { signal, clock } = options;
    const input: FetchRangeInput = {
      dataset: range.dataset,
      chainId: range.chainId,
      start: range.start,
      end: range.end,
      rpc: (await this.rt.rpc()).options(range.rpcPool),
      hot: range.hot,
      columns: range.columns,
      event: range.event,
      balances: range.balances,
    };
    const { port1: readPort, port2: threadPort } = new MessageChannel();
    let fetched: FetchedRange;
    try {
      const job = this.runTimed('fetchRange', { ...input, read: threadPort }, { signal, transfer: [threadPort] }, clock);
      // Read: said by the thread after its fetch, or at the latest by the job's result.
      const read = new Promise<void>((resolve) => {
        readPort.once('message', () => resolve());
        job.then(() => resolve(), () => undefined);
      });
      const recorded = read.then(() => options.onFetched?.());
      recorded.catch(() => undefined);
      fetched = await job;
      await recorded;
    } finally {
      readPort.close();
    }
    const { ipc, copyText, blockHashes } = fetched;
    const written = await this.stageParquet(this.buckets.datasets, key, [ipc], { signal, clock });
    return { ...written, copyText, blockHashes };
  }

  /**
   * This attempt has read its range from the node: a chain_sync range frees its fetch slot, so the
   * planner plans its successor while this one is written and committed.
   */
  async rangeFetched(): Promise<void> {
    await this.rt.syncJobs.rangeFetched(this.fence);
  }

  /**
   * Commits one staged file in the datasets bucket as the version of `dataset` over [start, end):
   * the common case of commit().
   */
  async commitFile(
    file: {
      dataset: string;
      chainId: number;
      start: number;
      end: number;
      configHash: string;
      key: string;
      rows: number;
      bytes: number;
      /** The object's sha256 (hex) and the ETag the store returned for it (trace-lite verify checks them). */
      sha256?: string;
      etag?: string;
      supersedes?: string[];
    },
    options: CommitOptions = {},
  ): Promise<CommitResult> {
    return this.commit(
      {
        dataset: file.dataset,
        chainId: file.chainId,
        rangeStart: file.start,
        rangeEnd: file.end,
        configHash: file.configHash,
        bucket: this.buckets.datasets,
        objectKeys: [file.key],
        rowCount: file.rows,
        bytes: file.bytes,
        objectSha256: file.sha256 === undefined ? undefined : [file.sha256],
        objectEtags: file.etag === undefined ? undefined : [file.etag],
        supersedes: file.supersedes,
      },
      options,
    );
  }

  /**
   * Writes the manifest next to the staged files, then registers the version in one fenced
   * transaction. A stale attempt gets LeaseLostError and registers nothing; a range that an earlier
   * attempt registered stays as it was (alreadyRegistered: 1).
   */
  async commit(version: VersionToCommit, options: CommitOptions = {}): Promise<CommitResult> {
    const first = version.objectKeys[0];
    if (first === undefined) throw new RangeError('a version needs at least one object');
    const manifestKey = `${first.slice(0, first.lastIndexOf('/') + 1)}_manifest.json`;
    const manifest = {
      dataset: version.dataset,
      chain_id: version.chainId,
      range_start: version.rangeStart,
      range_end_exclusive: version.rangeEnd,
      config_hash: version.configHash,
      files: version.objectKeys.map((key) => `s3://${version.bucket}/${key}`),
      sha256: version.objectSha256 ?? null,
      row_count: version.rowCount,
      bytes: version.bytes,
      task_id: this.fence.taskId,
      attempt: this.fence.attempt,
      written_at: new Date().toISOString(),
    };
    const { hot, blockHashes, clock } = options;
    const manifestStarted = performance.now();
    await this.stage(version.bucket, manifestKey, encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`));
    const commitStarted = performance.now();
    clock?.add('manifest', commitStarted - manifestStarted);
    let copyMs = 0;
    try {
      return await this.fenced(() =>
        this.rt.registry.commit(this.fence, [{ ...version, manifestKey }], async (client) => {
          if (blockHashes) await recordBlockHashes(client, version.chainId, blockHashes);
          const copyStarted = performance.now();
          if (hot) await replaceHotRange(client, this.rt.schemas.data, hot);
          copyMs = performance.now() - copyStarted;
        }),
      );
    } finally {
      clock?.add('copy', copyMs);
      clock?.add('commit', performance.now() - commitStarted - copyMs);
    }
  }

  /**
   * Buffered dataset publish: stages `rows` (objects shaped like the data table's rows) as JSON
   * lines in the scratch bucket and records the batch, fenced, with a wake-up for the sink. The
   * same artifact name of the same attempt is recorded once.
   */
  async publishBuffer(artifact: string, table: string, rows: readonly Record<string, unknown>[]): Promise<{ batchId: string; created: boolean }> {
    const bucket = this.buckets.scratch;
    const key = bufferKey(this.fence, artifact);
    await this.stage(bucket, key, encoder.encode(rows.map((r) => JSON.stringify(r)).join('\n')));
    return this.fenced(() => this.rt.buffers.record(this.fence, { artifact, bucket, objectKey: key, targetTable: table, rowCount: rows.length }));
  }

  /** Runs a thread job that reports its stages, adding them and the time around them (`thread_queue`) to `clock`. */
  private async runTimed<K extends TimedJob>(
    kind: K,
    input: ThreadJobInput<ThreadJobs, K>,
    options: RunOptions,
    clock: StageClock | undefined,
  ): Promise<ThreadJobOutput<ThreadJobs, K>> {
    const started = performance.now();
    const result = await this.rt.threads.run(kind, input, options);
    const stages: StageTimings = result.stages;
    clock?.merge(stages);
    clock?.add('thread_queue', Math.max(0, performance.now() - started - Object.values(stages).reduce((a, b) => a + b, 0)));
    return result;
  }

  /**
   * Uploads to a staging key with `upload`, given the deadline it must keep, after recording the
   * key as staged by this attempt: a put the server stored but the client saw fail (then the
   * attempt fails) leaves an object the janitor finds through its record, never one nothing knows.
   */
  private async staged<T>(bucket: string, key: string, upload: (deadline: number) => Promise<T>, clock?: StageClock): Promise<T> {
    const record = () => (clock ? clock.time('record_staged', () => this.recordStaged(bucket, key)) : this.recordStaged(bucket, key));
    if (safeguardSkipped('outputs.recordStagedBeforePut')) {
      const result = await upload(Date.now() + MAX_UPLOAD_MS);
      await record();
      return result;
    }
    return upload(await record());
  }

  /**
   * Records a key as staged by this attempt before anything is uploaded to it, so the janitor can
   * find it; returns the deadline (epoch ms) its upload must keep.
   */
  private async recordStaged(bucket: string, key: string): Promise<number> {
    const deadline = await this.rt.registry.recordStaged(this.fence, bucket, [key]);
    await failpoint('outputs.afterRecordStaged', { taskId: this.fence.taskId, attempt: this.fence.attempt, key });
    return deadline;
  }

  /** Runs a fenced write, reporting a refusal for a lost lease to onLeaseLost before rethrowing it. */
  private async fenced<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof LeaseLostError) this.onLeaseLost(err);
      throw err;
    }
  }
}
