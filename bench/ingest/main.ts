/**
 * Ingest throughput benchmark: on one seeded devnet (anvil) in one run, the raw RPC read rate (the
 * chain_sync job's own fetch calls over the same ranges, same chunk size and in-flight count,
 * results discarded) against the full ingest rate (a chain_sync job from apply until every range
 * is committed hot + cold, in an in-process node with an embedded S3 server). Usage:
 *   node dist/bench/ingest/main.js [--json] [--quick] [--blocks N] [--rounds N] [--chunk-sizes 50,100]
 *     [--max-inflight N] [--geth-blocks N] [--no-geth]
 * Measured per chunk size over the stream set {blocks, transactions, logs}; geth_calls is measured
 * apart (anvil's tracer runs at a few blocks/s and would hide everything else). Rounds interleave
 * raw and full; each full round gets a fresh schema prefix and S3 directory; figures are medians.
 * blocks/s = blocks × streams / seconds. The last stdout line is one JSON object; progress on stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchDataset } from '../../drivers/chain/datasets.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { DEFAULT_DATABASE_URL } from '../../drivers/postgres/embedded/resolveDatabase.js';
import { dropInstallation, migrate } from '../../drivers/postgres/migrations.js';
import { createPgPool, schemaNames } from '../../drivers/postgres/postgres.js';
import { openObjectStore } from '../../drivers/store/embeddedS3.js';
import { startDevnet } from '../../drivers/devnet/devnet.js';
import { loadConfig } from '../../runtime/config.js';
import { closeRuntime, openRuntime } from '../../actors/node/context.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { createLogger } from '../../runtime/logger.js';
import { buildSupervisor, ROLES } from '../../actors/node/node.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { median } from '../queue/stats.js';
import { positiveIntOption } from '../options.js';

type Dataset = 'blocks' | 'transactions' | 'logs' | 'geth_calls';
const MAIN_STREAMS: readonly Dataset[] = ['blocks', 'transactions', 'logs'];
const TARGET_RATIO = 0.8;
const POOL = 'devnet';
const DATABASE_URL = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

interface Options {
  json: boolean;
  quick: boolean;
  blocks: number;
  rounds: number;
  chunkSizes: number[];
  maxInflight: number;
  gethBlocks: number;
  geth: boolean;
  seed: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      blocks: { type: 'string' },
      rounds: { type: 'string' },
      'chunk-sizes': { type: 'string' },
      'max-inflight': { type: 'string' },
      'geth-blocks': { type: 'string' },
      'no-geth': { type: 'boolean', default: false },
      seed: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const blocks = positiveIntOption(values.blocks, quick ? 40 : 300, 'blocks');
  const chunkSizes = (values['chunk-sizes'] ?? (quick ? '20' : '50,100')).split(',').map((s) => positiveIntOption(s.trim(), 0, 'chunk-sizes'));
  return {
    json: values.json ?? false,
    quick,
    blocks,
    rounds: positiveIntOption(values.rounds, quick ? 1 : 3, 'rounds'),
    chunkSizes,
    maxInflight: positiveIntOption(values['max-inflight'], 2, 'max-inflight'),
    gethBlocks: positiveIntOption(values['geth-blocks'], quick ? 20 : blocks, 'geth-blocks'),
    geth: !(values['no-geth'] ?? false),
    seed: positiveIntOption(values.seed, 1, 'seed'),
  };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** The ranges the job plans: [from, to) cut every chunkSize blocks. */
function ranges(end: number, chunkSize: number): Array<{ start: number; end: number }> {
  const out = [];
  for (let s = 0; s < end; s += chunkSize) out.push({ start: s, end: Math.min(s + chunkSize, end) });
  return out;
}

/**
 * The job's fetch calls without the job: per stream, its ranges with `maxInflight` at a time, all
 * streams at once; one RPC pool per stream with the pool defaults (the job's pool threads each hold
 * their own pool, so this gives raw at least the job's HTTP concurrency). Returns seconds.
 */
async function rawRound(url: string, datasets: readonly Dataset[], end: number, chunkSize: number, maxInflight: number): Promise<{ seconds: number; retries: number; faults: Record<string, number> }> {
  const pools = datasets.map((d) => new RpcPool({ name: `raw-${d}`, url }));
  const started = performance.now();
  await Promise.all(
    datasets.map(async (dataset, i) => {
      const pool = pools[i]!;
      const todo = ranges(end, chunkSize);
      let next = 0;
      await Promise.all(
        Array.from({ length: maxInflight }, async () => {
          while (next < todo.length) {
            const range = todo[next++]!;
            await fetchDataset(dataset, pool, { range });
          }
        }),
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const faults: Record<string, number> = {};
  let retries = 0;
  for (const pool of pools) {
    const m = pool.metrics();
    retries += m.retries;
    for (const [k, v] of Object.entries(m.faults)) if (v > 0) faults[k] = (faults[k] ?? 0) + v;
  }
  return { seconds, retries, faults };
}

function jobYaml(name: string, chainId: number, datasets: readonly Dataset[], end: number, chunkSize: number, maxInflight: number): string {
  const streams = datasets
    .map((d) => `  ${d}: {cryo_dataset_name: ${d}, rpc_pool: ${POOL}, chunk_size: ${chunkSize}, max_inflight: ${maxInflight}}`)
    .join('\n');
  return `kind: chain_sync\nname: ${name}\nchain_id: ${chainId}\nmode: {kind: fixed_target, from_block: 0, to_block: ${end}}\nstreams:\n${streams}\n`;
}

interface Breakdown {
  ranges: number;
  /** Mean wall time of one attempt (fetch + decode + parquet upload + hot COPY in the pool thread, then commit). */
  attempt_ms: number;
  /** Mean planned_at → attempt started_at (queue + wake-up + claim). */
  queue_wait_ms: number;
  /** Mean time a stream slot sat empty: planned_at of range i − ended_at of range i − max_inflight. */
  replan_gap_ms: number;
  /** Mean attempt ended_at → task finished_at. */
  finish_lag_ms: number;
  /** Sum of attempt time over (job wall time × streams × max_inflight): how busy the slots were. */
  slot_utilisation: number;
}

interface FullResult {
  seconds: number;
  breakdown: Breakdown;
}

/** One chain_sync job in a fresh installation: seconds from apply to complete, and where time went. */
async function fullRound(url: string, chainId: number, datasets: readonly Dataset[], end: number, chunkSize: number, maxInflight: number): Promise<FullResult> {
  const prefix = `bench_ingest_${randomBytes(4).toString('hex')}_`;
  const schemas = schemaNames(prefix);
  const s3Dir = await mkdtemp(path.join(tmpdir(), 'trace-bench-ingest-s3-'));
  // httpPort 0: its idle gateway must not take 8787 from a node the user runs.
  const config = loadConfig({}, { databaseUrl: DATABASE_URL, schemaPrefix: prefix, logLevel: 'warn', dataDir: s3Dir, httpPort: 0 });
  const silent = createLogger(process.env.TRACE_BENCH_LOG_LEVEL ?? 'silent');
  await migrate(DATABASE_URL, schemas);
  const objects = new LazyObjectStore(() => openObjectStore({ config, dataDir: s3Dir, log: silent }));
  const rt = openRuntime({ config, log: silent, url: DATABASE_URL, objects, env: { TRACE_RPC_POOL_DEVNET_URL: url } });
  const supervisor = buildSupervisor(rt, ROLES);
  const db = createPgPool({ url: DATABASE_URL, schemas, max: 2 });
  try {
    await objects.get();
    await supervisor.start();
    const started = performance.now();
    const { jobId } = await rt.syncJobs.apply(parseSyncJobSpec(jobYaml(`bench-${chunkSize}`, chainId, datasets, end, chunkSize, maxInflight)));
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const status = await rt.syncJobs.status(jobId);
      if (status.complete) break;
      const failed = Object.values(status.streams).reduce((n, s) => n + s.ranges_failed, 0);
      if (failed > 0) log(`  (${failed} failed range attempt(s) so far; retries continue)`);
      if (Date.now() > deadline) throw new Error('chain_sync did not complete within 30 minutes');
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, breakdown: await breakdown(db, schemas.state, seconds, datasets.length, maxInflight) };
  } finally {
    await db.end();
    await supervisor.stop();
    await closeRuntime(rt);
    await dropInstallation(DATABASE_URL, schemas);
    await rm(s3Dir, { recursive: true, force: true });
  }
}

async function breakdown(db: ReturnType<typeof createPgPool>, state: string, wallSeconds: number, streams: number, maxInflight: number): Promise<Breakdown> {
  const { rows } = await db.query<{ stream_key: string; planned: Date; started: Date; ended: Date; finished: Date | null }>(
    `SELECT r.stream_key, r.planned_at AS planned, a.started_at AS started, a.ended_at AS ended, t.finished_at AS finished
       FROM ${state}.sync_ranges r
       JOIN ${state}.tasks t USING (task_id)
       JOIN ${state}.task_attempts a ON a.task_id = t.task_id AND a.outcome = 'succeeded'
      ORDER BY r.stream_key, r.range_start`,
  );
  const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const attempt: number[] = [];
  const wait: number[] = [];
  const gap: number[] = [];
  const lag: number[] = [];
  const byStream = new Map<string, typeof rows>();
  for (const r of rows) {
    attempt.push(r.ended.getTime() - r.started.getTime());
    wait.push(r.started.getTime() - r.planned.getTime());
    if (r.finished) lag.push(r.finished.getTime() - r.ended.getTime());
    byStream.set(r.stream_key, [...(byStream.get(r.stream_key) ?? []), r]);
  }
  for (const list of byStream.values()) {
    for (let i = maxInflight; i < list.length; i++) gap.push(Math.max(0, list[i]!.planned.getTime() - list[i - maxInflight]!.ended.getTime()));
  }
  return {
    ranges: rows.length,
    attempt_ms: round1(mean(attempt)),
    queue_wait_ms: round1(mean(wait)),
    replan_gap_ms: round1(mean(gap)),
    finish_lag_ms: round1(mean(lag)),
    slot_utilisation: round3(attempt.reduce((a, b) => a + b, 0) / (wallSeconds * 1000 * streams * maxInflight)),
  };
}

function medianBreakdown(list: Breakdown[]): Breakdown {
  const m = (k: keyof Breakdown): number => median(list.map((b) => b[k]));
  return {
    ranges: m('ranges'),
    attempt_ms: round1(m('attempt_ms')),
    queue_wait_ms: round1(m('queue_wait_ms')),
    replan_gap_ms: round1(m('replan_gap_ms')),
    finish_lag_ms: round1(m('finish_lag_ms')),
    slot_utilisation: round3(m('slot_utilisation')),
  };
}

interface Measured {
  chunk_size: number;
  raw_blocks_per_s: number;
  ingest_blocks_per_s: number;
  ratio: number;
  raw_s: number[];
  raw_rpc_retries: number;
  full_s: number[];
  breakdown: Breakdown;
}

async function measure(url: string, chainId: number, datasets: readonly Dataset[], end: number, chunkSize: number, maxInflight: number, rounds: number, label: string): Promise<Measured> {
  const raw: number[] = [];
  let rawRetries = 0;
  const full: number[] = [];
  const breakdowns: Breakdown[] = [];
  const work = end * datasets.length;
  for (let r = 0; r < rounds; r++) {
    const rawRun = await rawRound(url, datasets, end, chunkSize, maxInflight);
    const rawS = rawRun.seconds;
    raw.push(rawS);
    rawRetries += rawRun.retries;
    log(`${label} chunk ${chunkSize} round ${r + 1}/${rounds}: raw ${rawS.toFixed(2)} s (${(work / rawS).toFixed(0)} blocks/s), rpc retries ${rawRun.retries} ${JSON.stringify(rawRun.faults)}`);
    const f = await fullRound(url, chainId, datasets, end, chunkSize, maxInflight);
    full.push(f.seconds);
    breakdowns.push(f.breakdown);
    log(
      `${label} chunk ${chunkSize} round ${r + 1}/${rounds}: full ${f.seconds.toFixed(2)} s (${(work / f.seconds).toFixed(0)} blocks/s) ${JSON.stringify(f.breakdown)}`,
    );
  }
  const rawBps = work / median(raw);
  const fullBps = work / median(full);
  return {
    chunk_size: chunkSize,
    raw_blocks_per_s: round1(rawBps),
    ingest_blocks_per_s: round1(fullBps),
    ratio: round3(fullBps / rawBps),
    raw_s: raw.map(round3),
    raw_rpc_retries: rawRetries,
    full_s: full.map(round3),
    breakdown: medianBreakdown(breakdowns),
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const startedAll = performance.now();
  const devnetDir = await mkdtemp(path.join(tmpdir(), 'trace-bench-ingest-devnet-'));
  let devnet: Awaited<ReturnType<typeof startDevnet>> | undefined;
  const stopAll = async (): Promise<void> => {
    if (devnet) await devnet.stop().catch(() => undefined);
    devnet = undefined;
    await rm(devnetDir, { recursive: true, force: true });
  };
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const seedStart = performance.now();
    devnet = await startDevnet({ dataDir: devnetDir, blocks: options.blocks, seed: options.seed, log });
    const { rpc_url: url, last_block: lastBlock, chain_id: chainId } = devnet.description;
    const end = lastBlock + 1;
    log(`devnet seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s: blocks [0, ${end}) at ${url}`);

    const byChunk: Measured[] = [];
    for (const chunkSize of options.chunkSizes) {
      byChunk.push(await measure(url, chainId, MAIN_STREAMS, end, chunkSize, options.maxInflight, options.rounds, 'blocks+transactions+logs'));
    }
    const best = byChunk.reduce((a, b) => (b.ingest_blocks_per_s > a.ingest_blocks_per_s ? b : a));

    let geth: Measured | undefined;
    if (options.geth) {
      const gethEnd = Math.min(end, options.gethBlocks);
      geth = await measure(url, chainId, ['geth_calls'], gethEnd, best.chunk_size, options.maxInflight, 1, 'geth_calls');
    }

    const result = {
      bench: 'ingest',
      blocks: end,
      streams: MAIN_STREAMS,
      chunk_size: best.chunk_size,
      max_inflight: options.maxInflight,
      rounds: options.rounds,
      raw_rpc: { blocks_per_s: best.raw_blocks_per_s, seconds: best.raw_s, rpc_retries: best.raw_rpc_retries },
      ingest: { blocks_per_s: best.ingest_blocks_per_s, seconds: best.full_s, breakdown: best.breakdown },
      ratio: { ingest_vs_raw_rpc: best.ratio, target: TARGET_RATIO, met: best.ratio >= TARGET_RATIO },
      by_chunk_size: byChunk.map((m) => ({
        chunk_size: m.chunk_size,
        raw_blocks_per_s: m.raw_blocks_per_s,
        ingest_blocks_per_s: m.ingest_blocks_per_s,
        ratio: m.ratio,
        breakdown: m.breakdown,
      })),
      geth_calls: geth
        ? {
            blocks: Math.min(end, options.gethBlocks),
            chunk_size: geth.chunk_size,
            rounds: 1,
            raw_blocks_per_s: geth.raw_blocks_per_s,
            raw_rpc_retries: geth.raw_rpc_retries,
            ingest_blocks_per_s: geth.ingest_blocks_per_s,
            ratio: geth.ratio,
            breakdown: geth.breakdown,
          }
        : null,
      quick: options.quick,
      runtime_s: round1((performance.now() - startedAll) / 1000),
    };
    if (!options.json) {
      for (const m of byChunk) log(`chunk ${m.chunk_size}: raw ${m.raw_blocks_per_s} blocks/s, ingest ${m.ingest_blocks_per_s} blocks/s, ratio ${m.ratio}`);
      if (geth) log(`geth_calls: raw ${geth.raw_blocks_per_s} blocks/s, ingest ${geth.ingest_blocks_per_s} blocks/s`);
    }
    await stopAll();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
