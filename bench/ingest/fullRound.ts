/**
 * A full round: one chain_sync job in a fresh installation (fresh schema prefix and S3
 * directory), in an in-process node with an embedded S3 server, from apply until every range is
 * committed hot + cold; then where the time went.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_DATABASE_URL } from '../../drivers/postgres/embedded/resolveDatabase.js';
import { dropInstallation, migrate } from '../../drivers/postgres/migrations.js';
import { createPgPool, schemaNames } from '../../drivers/postgres/postgres.js';
import { openObjectStore } from '../../drivers/store/embeddedS3.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { loadConfig, type ConfigInput } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { closeRuntime, openRuntime, type Runtime } from '../../actors/node/context.js';
import { buildSupervisor } from '../../actors/node/node.js';
import { ROLES } from '../../actors/node/roles.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { log } from '../stderr.js';
import { readBreakdown, type Breakdown } from './breakdown.js';
import { CpuMeter, type CpuSeconds } from './cpu.js';
import type { RoundSpec } from './roundSpec.js';

const POOL = 'devnet';
const DATABASE_URL = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

export interface FullRound {
  seconds: number;
  breakdown: Breakdown;
  /** Milliseconds the node took to start and warm its pool threads, before the clock started. */
  threadWarmMs: number;
  /** CPU seconds from apply to complete. */
  cpu: CpuSeconds;
}

function jobYaml(name: string, { chainId, datasets, end, chunkSize, maxInflight }: RoundSpec): string {
  const streams = datasets
    .map((d) => `  ${d}: {cryo_dataset_name: ${d}, rpc_pool: ${POOL}, chunk_size: ${chunkSize}, max_inflight: ${maxInflight}}`)
    .join('\n');
  return `kind: chain_sync\nname: ${name}\nchain_id: ${chainId}\nmode: {kind: fixed_target, from_block: 0, to_block: ${end}}\nstreams:\n${streams}\n`;
}

/** What a round may change of the defaults, and what it does after the sync completed, before teardown. */
export interface RoundOptions {
  /** The devnet's anvil, whose CPU time the round reports. */
  anvilPid?: number;
  config?: Pick<ConfigInput, 'hotRetentionBlocks' | 'compactionBlocks'>;
  afterSync?: (rt: Runtime) => Promise<void>;
}

/** Seconds from apply to complete, and where the time went. */
export async function fullRound(spec: RoundSpec, options: RoundOptions = {}): Promise<FullRound> {
  const prefix = `bench_ingest_${randomBytes(4).toString('hex')}_`;
  const schemas = schemaNames(prefix);
  const s3Dir = await mkdtemp(path.join(tmpdir(), 'trace-bench-ingest-s3-'));
  // httpPort 0: its idle gateway must not take 8787 from a node the user runs.
  const config = loadConfig({}, { databaseUrl: DATABASE_URL, schemaPrefix: prefix, logLevel: 'warn', dataDir: s3Dir, httpPort: 0, ...options.config });
  const silent = createLogger(process.env.TRACE_BENCH_LOG_LEVEL ?? 'silent');
  await migrate(DATABASE_URL, schemas);
  const objects = new LazyObjectStore(() => openObjectStore({ config, dataDir: s3Dir, log: silent }));
  const rt = openRuntime({ config, log: silent, url: DATABASE_URL, objects, env: { TRACE_RPC_POOL_DEVNET_URL: spec.url } });
  const supervisor = buildSupervisor(rt, ROLES);
  const db = createPgPool({ url: DATABASE_URL, schemas, max: 2 });
  try {
    const { serverPid } = await objects.opened();
    await supervisor.start();
    // The raw round's modules are loaded before its clock starts, and a node's pool threads are
    // warm while it syncs (the worker warms them when a job is applied): the round starts on warm
    // threads, and what a cold start costs is reported apart (thread_warm_ms).
    const warmStarted = performance.now();
    await rt.threads.warm('warmIngest', undefined);
    const threadWarmMs = performance.now() - warmStarted;
    const started = performance.now();
    const cpu = await CpuMeter.start({ anvil: options.anvilPid, s3: serverPid });
    const { jobId } = await rt.syncJobs.apply(parseSyncJobSpec(jobYaml(`bench-${spec.chunkSize}`, spec)));
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
    const cpuUsed = await cpu.stop();
    const breakdown = await readBreakdown(db, schemas.state, seconds, spec.datasets.length, spec.maxInflight);
    await options.afterSync?.(rt);
    return { seconds, breakdown, threadWarmMs, cpu: cpuUsed };
  } finally {
    await db.end();
    await supervisor.stop();
    await closeRuntime(rt);
    await dropInstallation(DATABASE_URL, schemas);
    await rm(s3Dir, { recursive: true, force: true });
  }
}
