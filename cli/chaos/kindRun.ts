/**
 * One run of the chaos suite: compose's services (dispatcher/publisher/janitor, two
 * worker/heartbeat/sink, query/gateway) as processes on a database and buckets of their own, the
 * demo's chain_sync job of every dataset applied over the gateway, the kind's injections at their
 * seeded moments while a supervisor restarts what dies, then, once the sync is complete and every
 * node is up, the damage counted. The undisturbed run is the same with no kind.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createPgPool, schemaNames, type PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { S3ObjectStore } from '../../drivers/store/s3ObjectStore.js';
import { loadConfig } from '../../runtime/config.js';
import { seededRandom } from '../../runtime/seededRandom.js';
import { LocalCompose } from '../compose/localCompose.js';
import { withCleanup } from '../processes/interrupt.js';
import { DEMO_RPC_POOL, DEMO_RPC_POOL_VARIABLE, demoSyncJobYaml } from '../demo/demoJob.js';
import { GatewayClient } from '../harness/gatewayClient.js';
import { jobSettled } from '../progress.js';
import { RPC_POOL_ENV_PREFIX } from '../../drivers/chain/rpcPools.js';
import { canonicalChain, type ChaosStack } from './chaosStack.js';
import { ProducingChain } from './producingChain.js';
import { countDamage, type Damage, type RunData } from './damage.js';
import { kindSeed, injectionMoments } from './schedule.js';
import { Supervisor } from './supervisor.js';
import { askAnalyticQueries, QUERY_CACHE_BYTES, QUERY_HOT_BLOCKS } from './queryCheck.js';
import { FAILPOINTS_ON_SIGNAL, type ChaosContext, type FaultKind } from './kinds/faultKind.js';
import { CHAOS_RPC_BATCH_SIZE, CHAOS_RPC_TIMEOUT_MS } from './kinds/rpcKinds.js';

const SQL = loadStatements('harness/chaos.sql', ['versionsRegistered', 'syncSettled'] as const);

/**
 * The services' timings in chaos, through the ordinary configuration: a 3 s lease (heartbeat every
 * 1 s) so a killed worker's attempt is taken back within seconds instead of 30; 200 ms polls; quick
 * retries; up to 10 attempts and deliveries, since every injection may cost a task one; a queued
 * task whose wake-up is lost (the queue wiped) re-woken after 3 s instead of the default minute
 * (queue_wiped's recovery took the full 60 s with the default).
 */
export const CHAOS_LEASE_SECONDS = 3;
const SERVICE_TIMINGS: Record<string, string> = {
  TRACE_LEASE_TTL_SECONDS: String(CHAOS_LEASE_SECONDS),
  TRACE_VISIBILITY_SECONDS: String(CHAOS_LEASE_SECONDS),
  TRACE_POLL_INTERVAL_MS: '200',
  TRACE_RETRY_BASE_SECONDS: '0.2',
  TRACE_RETRY_MAX_SECONDS: '2',
  TRACE_SHUTDOWN_GRACE_SECONDS: '1',
  TRACE_MAX_ATTEMPTS: '10',
  TRACE_SWEEP_GRACE_SECONDS: String(CHAOS_LEASE_SECONDS),
  TRACE_QUEUE_MAX_DELIVERIES: '10',
  TRACE_WORKER_CONCURRENCY: '4',
  [`${RPC_POOL_ENV_PREFIX}${DEMO_RPC_POOL.toUpperCase()}_TIMEOUT_MS`]: String(CHAOS_RPC_TIMEOUT_MS),
  [`${RPC_POOL_ENV_PREFIX}${DEMO_RPC_POOL.toUpperCase()}_BATCH_SIZE`]: String(CHAOS_RPC_BATCH_SIZE),
};
/**
 * Blocks per range, every dataset (geth_calls too: traces are the slow stream, 0.6 s a block on
 * anvil, and 5-block ranges spread them over both workers): 24 blocks make 5 ranges per stream.
 */
export const CHAOS_CHUNK_SIZE = 5;
/**
 * The sync of 24 blocks takes ~20 s undisturbed at load 10; this bounds a wedged one (a worker
 * SIGKILLed twice took 200 s at load 20, every restart and trace batch slowed tenfold).
 */
const SYNC_TIMEOUT_MS = 300_000;
/** Nodes come back in 1-3 s; this bounds the wait for all to be up before counting. */
const SETTLE_TIMEOUT_MS = 60_000;
/** How often progress is sampled for the timeline and recovery times. */
const SAMPLE_MS = 250;
/** An injection's recovery is not waited for past this (it then counts as this long). */
const RECOVERY_LIMIT_MS = 60_000;
/** compose.yaml's query/gateway service: it alone serves old blocks from cold files (queryCheck.ts). */
const QUERY_SERVICE = 'query';
/** A producing devnet mines this many blocks after the last injection, then stops: the run's final height. */
const BLOCKS_AFTER_INJECTIONS = 3;
/**
 * A follow_head sync has caught up once every stream reached the final height with nothing in
 * flight, for this long: the tip follower checks every 1 s, so a range read from a replaced fork
 * and committed just before would have been found and planned again within it.
 */
const CAUGHT_UP_STABLE_MS = 3_000;

export interface KindRunOptions {
  stack: ChaosStack;
  composeFile: string;
  runDir: string;
  /** A fault kind, or undefined for the undisturbed run. */
  kind: FaultKind | undefined;
  injections: number;
  seed: number;
  /** The undisturbed run's sync duration: the injections spread over it. */
  spanMs: number;
  baseline: RunData | undefined;
  /** Added to every service's environment (the suite's own tests reintroduce a bug with it). */
  serviceEnvironment: Record<string, string>;
  /** Distinguishes this run's buckets from the others' on the shared S3 server. */
  index: number;
  onInjection: (done: number) => void;
  log: (line: string) => void;
}

export interface KindRunResult {
  kind: string;
  injections: number;
  damage: Damage;
  supervisor_gave_up: number;
  restarts: number;
  recoveryMs: number[];
  syncMs: number;
  /** [ms since the job was applied, versions registered] samples, and the injection moments (ms). */
  timeline: { samples: [number, number][]; injections: number[] };
  /** What each injection did. */
  actions: string[];
  data: RunData;
}

export async function runKind(options: KindRunOptions): Promise<KindRunResult> {
  const blocks = options.stack.devnet.stats.blocks;
  const chain = options.kind?.producingChain ? await ProducingChain.start({ runDir: path.join(options.runDir, options.kind.name), blocks, seed: options.seed }) : undefined;
  try {
    return await runKindOn(options, chain);
  } finally {
    await chain?.stop();
  }
}

/** The run, on the shared fixed devnet, or following `chain`'s head. */
async function runKindOn(options: KindRunOptions, chain: ProducingChain | undefined): Promise<KindRunResult> {
  const { stack, kind } = options;
  const rpc = chain?.rpc ?? stack.rpc;
  const name = kind?.name ?? 'undisturbed';
  const leaseMs = CHAOS_LEASE_SECONDS * 1000;
  const failpointFile = path.join(options.runDir, `${name}.failpoints`);
  const buckets = ['datasets', 'results', 'scratch'].map((b) => `chaos-${options.index}-${b}`);
  const compose = new LocalCompose({
    composeFile: options.composeFile,
    runDir: path.join(options.runDir, name),
    additions: {
      ...SERVICE_TIMINGS,
      [DEMO_RPC_POOL_VARIABLE]: rpc.url,
      TRACE_BUCKET_DATASETS: buckets[0]!,
      TRACE_BUCKET_RESULTS: buckets[1]!,
      TRACE_BUCKET_SCRATCH: buckets[2]!,
      [FAILPOINTS_ON_SIGNAL]: failpointFile,
      ...options.serviceEnvironment,
    },
    serviceAdditions: { [QUERY_SERVICE]: { TRACE_HOT_RETENTION_BLOCKS: String(QUERY_HOT_BLOCKS), TRACE_QUERY_CACHE_BYTES: String(QUERY_CACHE_BYTES) } },
    scale: { worker: 2, ...(kind?.scale ?? {}) },
    infrastructure: { serverUrl: stack.postgres.url, s3Endpoint: kind?.s3ThroughFaultProxy ? stack.s3Proxy.url : stack.s3.endpoint },
    log: () => undefined,
  });
  let supervisor: Supervisor | undefined;
  let db: PgPool | undefined;
  let store: S3ObjectStore | undefined;
  let progress: Progress | undefined;
  let cleaned: Promise<void> | undefined;
  // The supervisor stops first, or it would restart the nodes compose is stopping.
  const cleanup = () =>
    (cleaned ??= (async () => {
      // A run that threw midway leaves its sampler polling (a pending timer keeps the process alive).
      progress?.stop();
      await supervisor?.stop();
      store?.close();
      await db?.end();
      await compose.down();
    })());
  return withCleanup(cleanup, async () => {
    await compose.up();
    supervisor = new Supervisor(compose, (line) => options.log(`${name}: ${line}`));
    const config = loadConfig(compose.environment('worker'));
    db = createPgPool({ url: config.databaseUrl!, schemas: schemaNames(config.schemaPrefix), max: 2 });
    store = new S3ObjectStore({ endpoint: stack.s3.endpoint, region: config.s3Region, accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey, forcePathStyle: true });
    const random = seededRandom(kindSeed(options.seed, name));
    const ctx: ChaosContext = { supervisor, postgres: stack.postgres, s3: stack.s3, s3Proxy: stack.s3Proxy, rpc, db, random, leaseMs, failpointFile, chain, queryProblems: [] };
    const d = stack.devnet.description;
    const toBlock = chain === undefined ? d.last_block + 1 : undefined;
    const yaml = demoSyncJobYaml({ chainId: d.chain_id, fromBlock: 0, toBlock, traces: true, balanceDiffs: false, chunkSize: CHAOS_CHUNK_SIZE, traceChunkSize: CHAOS_CHUNK_SIZE });
    const started = Date.now();
    const { job_id: jobId } = await new GatewayClient(supervisor.gateway).applyJob(yaml);
    chain?.produce();
    progress = new Progress(db, started);
    const sampling = progress.sample();
    const moments = kind === undefined ? [] : injectionMoments(random, options.injections, options.spanMs);
    const actions: string[] = [];
    const injectedAt: number[] = [];
    const recoveries: Promise<number>[] = [];
    for (const moment of moments) {
      const wait = started + moment - Date.now();
      if (wait > 0) await delay(wait);
      injectedAt.push(Date.now() - started);
      actions.push(await kind!.inject(ctx));
      recoveries.push(progress.recovery(supervisor, Date.now()));
      options.onInjection(actions.length);
    }
    const finalHeight = await chain?.finish(BLOCKS_AFTER_INJECTIONS);
    const complete = finalHeight === undefined ? await syncCompletes(supervisor, jobId) : await followCatchesUp(supervisor, jobId, finalHeight);
    progress.complete = complete;
    const syncMs = Date.now() - started;
    const recoveryMs = await Promise.all(recoveries);
    await supervisor.settled(SETTLE_TIMEOUT_MS);
    progress.stop();
    await sampling;
    const queries = await askAnalyticQueries(supervisor.gateway);
    // A producing devnet's chain is not the undisturbed run's: its data is judged against that chain alone.
    const canonical = finalHeight === undefined ? stack.canonical : await canonicalChain(chain!.devnet.description.rpc_url, finalHeight);
    const { damage, data } = await countDamage(db, store, buckets, chain === undefined ? options.baseline : undefined, canonical, queries);
    damage.query_mismatch += ctx.queryProblems.length;
    damage.problems.push(...ctx.queryProblems.slice(0, 3).map((p) => `query_mismatch: ${p}`));
    if (!complete) {
      damage.data_identical = false;
      damage.problems.unshift(`the sync did not complete (ranges failed for good, or ${SYNC_TIMEOUT_MS / 1000} s passed)`);
    }
    for (const action of actions) options.log(`${name}: ${action}`);
    return {
      kind: name,
      injections: actions.length,
      damage,
      supervisor_gave_up: supervisor.gaveUp.length,
      restarts: supervisor.restarts,
      recoveryMs,
      syncMs,
      timeline: { samples: progress.samples, injections: injectedAt },
      actions,
      data,
    };
  });
}

/**
 * Polls the job over the (possibly restarting) gateway until it settles (complete, or every range
 * done or failed for good); whether it is complete. False on timeout.
 */
async function syncCompletes(supervisor: Supervisor, jobId: string): Promise<boolean> {
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await new GatewayClient(supervisor.gateway).jobStatus(jobId).catch(() => undefined);
    if (status !== undefined && jobSettled(status)) return status.complete;
    await delay(SAMPLE_MS);
  }
  return false;
}

/**
 * Polls a follow_head job until every stream's cursor passed `finalHeight` with no range in flight
 * or failed, CAUGHT_UP_STABLE_MS on end; false once a range failed for good, or on timeout.
 */
async function followCatchesUp(supervisor: Supervisor, jobId: string, finalHeight: number): Promise<boolean> {
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  let caughtUpSince: number | undefined;
  while (Date.now() < deadline) {
    const status = await new GatewayClient(supervisor.gateway).jobStatus(jobId).catch(() => undefined);
    if (status !== undefined) {
      const streams = Object.values(status.streams);
      if (streams.some((s) => s.ranges_failed > 0)) return false;
      const caughtUp = streams.every((s) => s.cursor > finalHeight && s.ranges_in_flight === 0);
      caughtUpSince = caughtUp ? (caughtUpSince ?? Date.now()) : undefined;
      if (caughtUpSince !== undefined && Date.now() - caughtUpSince >= CAUGHT_UP_STABLE_MS) return true;
    }
    await delay(SAMPLE_MS);
  }
  return false;
}

/** Versions registered over time, sampled from the run's database (a sample is skipped while it is down). */
class Progress {
  readonly samples: [number, number][] = [];
  /** Set once the job caught up or completed: an injection after that has nothing left to hold up. */
  complete = false;
  private running = true;

  constructor(
    private readonly db: PgPool,
    private readonly started: number,
  ) {}

  async sample(): Promise<void> {
    while (this.running) {
      const versions = await this.versions();
      if (versions !== undefined) this.samples.push([Date.now() - this.started, versions]);
      await delay(SAMPLE_MS);
    }
  }

  stop(): void {
    this.running = false;
  }

  /**
   * Recovered: every node is up again, and a version was registered after the injection or the sync
   * has nothing left to do (an injection after the last range only has nodes to bring back). In ms from `at`.
   */
  async recovery(supervisor: Supervisor, at: number): Promise<number> {
    const before = (await this.versions()) ?? 0;
    for (;;) {
      const elapsed = Date.now() - at;
      if (elapsed > RECOVERY_LIMIT_MS) return elapsed;
      if (supervisor.nodes.every((n) => n.running)) {
        const versions = await this.versions();
        if ((versions !== undefined && versions > before) || this.complete || (await this.settled())) return Date.now() - at;
      }
      await delay(SAMPLE_MS / 5);
    }
  }

  /** Whether the sync has nothing left to do (false while the database is down). */
  async settled(): Promise<boolean> {
    return this.db.query<{ settled: boolean }>(SQL.syncSettled).then(
      (r) => r.rows[0]!.settled,
      () => false,
    );
  }

  private async versions(): Promise<number | undefined> {
    return this.db.query<{ versions: number }>(SQL.versionsRegistered).then(
      (r) => r.rows[0]!.versions,
      () => undefined,
    );
  }
}
