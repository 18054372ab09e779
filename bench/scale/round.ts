/**
 * One round of the scale-out benchmark: compose.yaml's dispatcher and `workers` instances of its
 * worker service as OS processes (LocalCompose, as `docker compose up --scale worker=N` would run
 * them) on a fresh database and S3 server, the demo's chain_sync job over the devnet's range from
 * apply until complete; then its rate, connections, CPU by process and the orchestration invariants.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPgPool, schemaNames, type PgPool } from '../../drivers/postgres/postgres.js';
import { loadConfig } from '../../runtime/config.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { TaskStore } from '../../actors/state/tasks/taskStore.js';
import { LocalCompose } from '../../cli/compose/localCompose.js';
import { DEMO_RPC_POOL_VARIABLE, demoSyncJobYaml } from '../../cli/demo/demoJob.js';
import { noLapsedLeases, outboxDrains, rangesRegisteredOnce } from '../../cli/harness/invariants/stateInvariants.js';
import { withCleanup } from '../../cli/processes/interrupt.js';
import { readBreakdown, type Breakdown } from '../ingest/breakdown.js';
import { round1, round3 } from '../queue/stats.js';
import { log } from '../stderr.js';
import { BENCH_APPLICATION_NAME, ConnectionSampler, type ConnectionFigures } from './connections.js';
import { busyShare, machineCpu, processCpuSeconds } from './cpu.js';
import { dispatchChannel } from '../../actors/state/dispatchEvents.js';
import { openSyncStores } from '../../actors/state/syncStores.js';

export interface RoundSpec {
  composeFile: string;
  rpcUrl: string;
  chainId: number;
  /** End-exclusive: the devnet's last block + 1. */
  end: number;
  chunkSize: number;
  maxInflight: number;
  workers: number;
  /** anvil's pid, to count its CPU. */
  anvilPid: number | undefined;
}

export interface RoundResult {
  workers: number;
  /** Chain blocks synced (genesis included). */
  blocks: number;
  seconds: number;
  /** Chain blocks ingested per second (each into blocks, transactions and logs). */
  blocks_per_s: number;
  connections: ConnectionFigures;
  /**
   * CPU seconds used during the sync: by the worker processes, the dispatcher, anvil, and the rest of
   * the machine's busy time (Postgres, this benchmark, other users of the machine).
   */
  cpu_s: { workers: number; dispatcher: number; anvil: number | null; rest: number };
  /** Share of all the machine's cores busy during the sync (other users included). */
  machine_busy: number;
  breakdown: Breakdown;
  /** The orchestration invariants that did not hold, by name (empty: all held). */
  broken_invariants: string[];
}

const STREAMS = 3;
/** A round syncs a few hundred blocks in seconds; this bounds a stuck one. */
const SYNC_TIMEOUT_MS = 10 * 60_000;
const STATUS_POLL_MS = 50;
/** The publisher empties the outbox within a poll interval once the job is done. */
const OUTBOX_DRAIN_MS = 10_000;

export async function scaleRound(spec: RoundSpec): Promise<RoundResult> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'trace-bench-scale-'));
  const compose = new LocalCompose({
    composeFile: spec.composeFile,
    runDir,
    additions: { [DEMO_RPC_POOL_VARIABLE]: spec.rpcUrl },
    scale: { worker: spec.workers },
    services: ['dispatcher', 'worker'],
    log: (line) => log(`  ${line}`),
  });
  let db: PgPool | undefined;
  const cleanup = async () => {
    await db?.end();
    db = undefined;
    await compose.down();
    await rm(runDir, { recursive: true, force: true });
  };
  return withCleanup(cleanup, async () => {
    await compose.up();
    const config = loadConfig(compose.environment('worker'));
    const schemas = schemaNames(config.schemaPrefix);
    db = createPgPool({ url: config.databaseUrl!, schemas, max: 2, applicationName: BENCH_APPLICATION_NAME });
    const policy = { defaultMaxAttempts: config.maxAttempts, retryBaseSeconds: config.retryBaseSeconds, retryMaxSeconds: config.retryMaxSeconds };
    const { syncJobs: jobs } = openSyncStores(db, new TaskStore(db, policy, dispatchChannel(schemas)), schemas, config);
    const workers = compose.nodes.get('worker') ?? [];
    const dispatcher = compose.nodes.get('dispatcher') ?? [];
    const names = new Map([...workers, ...dispatcher].map((n) => [n.pid!, n.name]));
    const sampler = new ConnectionSampler(config.databaseUrl!, new URL(config.databaseUrl!).pathname.slice(1), names);
    const cpu = async () => ({
      workers: await cpuOf(workers.map((n) => n.pid!)),
      dispatcher: await cpuOf(dispatcher.map((n) => n.pid!)),
      anvil: spec.anvilPid === undefined ? undefined : await processCpuSeconds(spec.anvilPid),
      machine: await machineCpu(),
    });

    await sampler.start();
    const before = await cpu();
    const started = performance.now();
    const yaml = demoSyncJobYaml({ chainId: spec.chainId, fromBlock: 0, toBlock: spec.end, traces: false, balanceDiffs: false, chunkSize: spec.chunkSize, maxInflight: spec.maxInflight });
    const { jobId } = await jobs.apply(parseSyncJobSpec(yaml, 'bench job'));
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while (!(await jobs.status(jobId)).complete) {
      if (Date.now() > deadline) throw new Error(`the sync with ${spec.workers} worker(s) did not complete within ${SYNC_TIMEOUT_MS / 60_000} min`);
      await sleep(STATUS_POLL_MS);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = await cpu();
    const connections = await sampler.stop();
    const invariants = [await outboxDrains(db, OUTBOX_DRAIN_MS), await rangesRegisteredOnce(db), await noLapsedLeases(db)];
    const delta = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? null : round1(b - a));
    const busySeconds = busyShare(before.machine, after.machine) * availableParallelism() * seconds;
    const ours = after.workers - before.workers + (after.dispatcher - before.dispatcher) + (delta(before.anvil, after.anvil) ?? 0);
    return {
      workers: spec.workers,
      blocks: spec.end,
      seconds: round1(seconds),
      blocks_per_s: round1(spec.end / seconds),
      connections,
      cpu_s: {
        workers: delta(before.workers, after.workers)!,
        dispatcher: delta(before.dispatcher, after.dispatcher)!,
        anvil: delta(before.anvil, after.anvil),
        rest: round1(Math.max(0, busySeconds - ours)),
      },
      machine_busy: round3(busyShare(before.machine, after.machine)),
      breakdown: await readBreakdown(db, schemas.state, seconds, STREAMS, spec.maxInflight),
      broken_invariants: invariants.filter((i) => !i.holds).map((i) => `${i.name}: ${i.problems[0] ?? ''}`),
    };
  });
}

/** Total CPU seconds of these processes (those that cannot be read count 0). */
async function cpuOf(pids: readonly number[]): Promise<number> {
  const seconds = await Promise.all(pids.map((pid) => processCpuSeconds(pid)));
  return seconds.reduce<number>((sum, s) => sum + (s ?? 0), 0);
}
