/**
 * A fresh installation with the synthetic chain committed the real way: a node in this process
 * (dispatcher, publisher, heartbeat, worker) against new schemas and an embedded S3 server, a
 * bench operator that stages one (dataset, range) as Parquet on the worker pool and commits it
 * fenced (with the range's hot rows for the newest ranges, as cryo_ingest does), one task per
 * 1,000-block range per dataset: a backfill at the compaction size, so compaction has nothing to merge.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { waitForRun } from '../../cli/submissions.js';
import { decodeDataset, fileBatch } from '../../drivers/chain/datasets.js';
import { isHotDataset } from '../../drivers/datasets/catalog.js';
import { DEFAULT_DATABASE_URL } from '../../drivers/postgres/embedded/resolveDatabase.js';
import { dropInstallation, migrate } from '../../drivers/postgres/migrations.js';
import { recordBatchesToIpcChunks } from '../../drivers/parquet/parquetWriter.js';
import { arrowToCopyText } from '../../drivers/postgres/copyText.js';
import { schemaNames, type SchemaNames } from '../../drivers/postgres/postgres.js';
import { openObjectStore } from '../../drivers/store/embeddedS3.js';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import type { Operator } from '../../actors/worker/operators/registry.js';
import { loadConfig, type Config } from '../../runtime/config.js';
import { closeRuntime, openRuntime, type Runtime } from '../../actors/node/context.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { createLogger } from '../../runtime/logger.js';
import { buildSupervisor } from '../../actors/node/node.js';
import type { Supervisor } from '../../runtime/supervisor.js';
import type { RunSpec } from '../../actors/state/tasks/runSpec.js';
import type { SyntheticChain } from './chain.js';
import { BENCH_DATASETS, isBenchDataset, type BenchDataset, type RangeFetched } from './fetched.js';

export const OPERATOR = 'bench_synthetic_range';
const CONFIG_HASH = 'bench-query-synthetic';
const DATABASE_URL = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

export interface Installation {
  url: string;
  schemas: SchemaNames;
  config: Config;
  /** The runtime whose Query Service is measured warm (its cache: `${dataDir}/query-cache`). */
  rt: Runtime;
  objects: LazyObjectStore;
  /** Temp directory holding the S3 files (`s3/`), the runtime's data dir and the cold services'. */
  root: string;
  chainId: number;
  /** Stops the node (once the data is committed: the measurements need only the runtime). */
  stopNode(): Promise<void>;
  close(): Promise<void>;
}

export interface CommitStats {
  tasks: number;
  seconds: number;
  /** Rows and bytes registered per dataset (from the registry). */
  registered: Record<BenchDataset, { rows: number; bytes: number; files: number }>;
  /** Hot rows in Postgres after the commit, per dataset with a hot table. */
  hotRows: Record<string, number>;
}

/** Generates each range once for all its datasets; dropped after its last dataset took it. */
class RangeCache {
  private readonly entries = new Map<number, { fetched: RangeFetched; uses: number }>();

  constructor(
    private readonly chain: SyntheticChain,
    private readonly usesPerRange: (start: number) => number,
  ) {}

  take(start: number, end: number): RangeFetched {
    let entry = this.entries.get(start);
    if (!entry) {
      entry = { fetched: this.chain.fetched(start, end), uses: 0 };
      this.entries.set(start, entry);
    }
    if (++entry.uses >= this.usesPerRange(start)) this.entries.delete(start);
    return entry.fetched;
  }
}

function rangeParams(params: Record<string, unknown>): { dataset: BenchDataset; start: number; end: number; hot: boolean } {
  const { dataset, start, end, hot } = params;
  if (!isBenchDataset(dataset) || typeof start !== 'number' || typeof end !== 'number' || typeof hot !== 'boolean') {
    throw new Error(`${OPERATOR}: bad params ${JSON.stringify(params)}`);
  }
  return { dataset, start, end, hot };
}

/** The bench operator: one (dataset, range) of the synthetic chain, staged as Parquet and committed. */
function syntheticRangeOperator(chainId: number, cache: RangeCache): Operator {
  return async ({ params, outputs, signal }) => {
    const { dataset, start, end, hot } = rangeParams(params);
    // The ingest's own decoder over the range as a node would have answered it.
    const record = fileBatch(dataset, decodeDataset(dataset, cache.take(start, end)[dataset], chainId));
    const key = outputs.stagingKey(dataset, chainId, start, end);
    const ipc = [...recordBatchesToIpcChunks([record])].map((chunk) => chunk.slice().buffer as ArrayBuffer);
    const written = await outputs.stageParquet(outputs.buckets.datasets, key, ipc, { signal });
    const result = await outputs.commitFile(
      { dataset, chainId, start, end, configHash: CONFIG_HASH, key, rows: written.rows, bytes: written.bytes },
      hot && isHotDataset(dataset) ? { hot: { dataset, chainId, start, end, copyText: arrowToCopyText([record]) } } : {},
    );
    return { rows: written.rows, bytes: written.bytes, registered: result.registered };
  };
}


export async function openInstallation(chain: SyntheticChain, chainId: number, hotRetentionBlocks: number): Promise<{ inst: Installation; supervisor: Supervisor }> {
  const prefix = `bench_query_${randomBytes(4).toString('hex')}_`;
  const schemas = schemaNames(prefix);
  const root = await mkdtemp(path.join(tmpdir(), 'trace-bench-query-'));
  // httpPort 0: no gateway runs, but nothing here may take 8787 from a node the user runs.
  const config = loadConfig({}, { databaseUrl: DATABASE_URL, schemaPrefix: prefix, logLevel: 'warn', dataDir: path.join(root, 'node'), httpPort: 0, hotRetentionBlocks });
  const log = createLogger(process.env.TRACE_BENCH_LOG_LEVEL ?? 'silent');
  await migrate(DATABASE_URL, schemas);
  const objects = new LazyObjectStore(() => openObjectStore({ config, dataDir: path.join(root, 's3'), log }));
  const cache = new RangeCache(chain, () => BENCH_DATASETS.length);
  const operators = builtinOperators().register(OPERATOR, syntheticRangeOperator(chainId, cache));
  const rt = openRuntime({ config, log, url: DATABASE_URL, objects, operators });
  const supervisor = buildSupervisor(rt, ['dispatcher', 'publisher', 'heartbeat', 'worker']);
  let nodeStopped = false;
  const stopNode = async (): Promise<void> => {
    if (nodeStopped) return;
    nodeStopped = true;
    await supervisor.stop();
  };
  let closed = false;
  const inst: Installation = {
    url: DATABASE_URL,
    schemas,
    config,
    rt,
    objects,
    root,
    chainId,
    stopNode,
    close: async () => {
      if (closed) return;
      closed = true;
      await stopNode().catch(() => undefined);
      await closeRuntime(rt).catch(() => undefined); // closes the object store: stops the S3 server
      await dropInstallation(DATABASE_URL, schemas);
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await objects.get();
    await supervisor.start();
  } catch (err) {
    await inst.close();
    throw err;
  }
  return { inst, supervisor };
}

/** The blocks [from, to) to commit, those from `hotFrom` on with their hot rows too. */
export interface CommitSpan {
  from: number;
  to: number;
  hotFrom: number;
}

/**
 * Submits one task per (dataset, range) of the span as one run, in range order so a range's
 * datasets run together (and share one generation), and waits for all of them. The stats are of
 * everything committed so far.
 */
export async function commitChain(inst: Installation, chain: SyntheticChain, span: CommitSpan, progress: (line: string) => void): Promise<CommitStats> {
  const { rt } = inst;
  const { hotFrom } = span;
  const tasks: RunSpec['tasks'] = [];
  for (const { start, end } of chain.ranges().filter((r) => r.start >= span.from && r.end <= span.to)) {
    for (const dataset of BENCH_DATASETS) {
      tasks.push({ name: `${dataset}_${start}`, operator: OPERATOR, params: { dataset, start, end, hot: start >= hotFrom }, max_attempts: 3, depends_on: [] });
    }
  }
  const started = performance.now();
  const { runId } = await rt.tasks.runs.submitRun({ name: `bench-query-data-${span.from}`, tasks });
  const ticker = setInterval(() => {
    void rt.db
      .query<{ done: string }>(`SELECT count(*)::text AS done FROM tasks WHERE run_id = $1 AND status = 'succeeded'`, [runId])
      .then(({ rows }) => progress(`  committed ${rows[0]?.done ?? '?'}/${tasks.length} ranges (${((performance.now() - started) / 1000).toFixed(0)} s)`))
      .catch(() => undefined);
  }, 10_000);
  let finished;
  try {
    finished = await waitForRun(rt, runId, 60 * 60_000);
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = finished.tasks.filter((t) => t.status !== 'succeeded');
  if (finished.run.status !== 'succeeded' || failed.length > 0) {
    throw new Error(`committing the synthetic chain failed: ${failed.slice(0, 3).map((t) => `${t.name}: ${t.status} ${t.last_error ?? ''}`).join('; ')}`);
  }
  const { rows } = await rt.db.query<{ dataset: string; rows: string; bytes: string; files: string }>(
    `SELECT dataset, sum(row_count)::text AS rows, sum(bytes)::text AS bytes, count(*)::text AS files FROM dataset_versions WHERE superseded_at IS NULL GROUP BY dataset`,
  );
  const registered = Object.fromEntries(BENCH_DATASETS.map((d) => [d, { rows: 0, bytes: 0, files: 0 }])) as CommitStats['registered'];
  for (const r of rows) if (isBenchDataset(r.dataset)) registered[r.dataset] = { rows: Number(r.rows), bytes: Number(r.bytes), files: Number(r.files) };
  return { tasks: tasks.length, seconds, registered, hotRows: await hotRowCounts(inst) };
}

/** Hot rows in Postgres, per dataset with a hot table. */
export async function hotRowCounts(inst: Installation): Promise<Record<string, number>> {
  const hotRows: Record<string, number> = {};
  for (const dataset of BENCH_DATASETS) {
    const hot = await inst.rt.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${inst.schemas.data}"."${dataset}"`);
    hotRows[dataset] = Number(hot.rows[0]!.n);
  }
  return hotRows;
}
