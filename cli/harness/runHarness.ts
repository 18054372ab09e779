/**
 * `trace-lite harness`: the regression harness over the compose topology. Seeds a devnet, runs
 * compose.yaml's services as OS processes (LocalCompose), applies the demo's chain_sync job over the
 * gateway's HTTP API while one worker process is SIGKILLed mid-attempt and restarted, submits the
 * demo's analytics DAG the same way, and then judges the invariants. Every process it started is
 * stopped, and the database it created dropped, on success, failure and SIGINT.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevnet, type Devnet, type DevnetDescription } from '../../drivers/devnet/devnet.js';
import { createPgPool, schemaNames, type PgPool } from '../../drivers/postgres/postgres.js';
import { openObjectStore } from '../../drivers/store/embeddedS3.js';
import { loadConfig, type Config } from '../../runtime/config.js';
import { LocalCompose } from '../compose/localCompose.js';
import { DEMO_RPC_POOL_VARIABLE } from '../demo/demoJob.js';
import { withCleanup } from '../processes/interrupt.js';
import { describeExit } from '../processes/managedProcess.js';
import { analyticsStep } from './analyticsStep.js';
import { GatewayClient } from './gatewayClient.js';
import { errorLine, invariant, notReached, type Invariant } from './invariants/invariant.js';
import { noUntrackedObjects } from './invariants/objectInvariants.js';
import { noLapsedLeases, outboxDrains, rangesRegisteredOnce } from './invariants/stateInvariants.js';
import type { QueueDriverName } from '../../runtime/config.js';
import { syncWithWorkerCrash } from './syncStep.js';

export interface HarnessOptions {
  composeFile: string;
  queueDriver: QueueDriverName;
  /** Devnet blocks to seed and sync. */
  blocks: number;
  seed: number;
  /** Blocks per range: small, so a short chain has ranges in flight when the worker is killed. */
  chunkSize: number;
  /** Limit for the sync and for the analytics run, each. */
  timeoutSeconds: number;
}

export interface HarnessResult {
  queueDriver: QueueDriverName;
  invariants: Invariant[];
  seconds: number;
  /** Where the services' logs are, when kept (a failed run). */
  logs: string | undefined;
}

/** The publisher empties the outbox within a poll interval of the last write; parked rows never drain. */
const OUTBOX_DRAIN_MS = 15_000;

type Say = (line: string) => void;
type Step = (n: number, text: string) => void;

export async function runHarness(options: HarnessOptions, say: Say): Promise<HarnessResult> {
  const started = performance.now();
  const runDir = await mkdtemp(path.join(tmpdir(), 'trace-harness-'));
  const step: Step = (n, text) => say(`\n[${n}/5] ${text}`);
  let devnet: Devnet | undefined;
  let compose: LocalCompose | undefined;
  let db: PgPool | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await db?.end();
      await compose?.down();
      await devnet?.stop();
    })());
  let invariants: Invariant[] = [];
  try {
    await withCleanup(cleanup, async (signal) => {
      say(`service logs under ${runDir} (removed when every invariant holds)`);
      step(1, `devnet: seeding ${options.blocks} Monad-like blocks (anvil)`);
      devnet = await startDevnet({ dataDir: path.join(runDir, 'devnet'), blocks: options.blocks, seed: options.seed, log: () => undefined, signal });
      const d = devnet.description;
      say(`devnet ${d.rpc_url}: blocks 0..${d.last_block}`);

      step(2, `compose: ${options.composeFile} as processes (queue driver ${options.queueDriver})`);
      compose = new LocalCompose({
        composeFile: options.composeFile,
        runDir,
        additions: { [DEMO_RPC_POOL_VARIABLE]: d.rpc_url, TRACE_QUEUE_DRIVER: options.queueDriver },
        log: say,
      });
      await compose.up();
      const service = serviceConfig(compose);
      db = createPgPool({ url: service.databaseUrl!, schemas: schemaNames(service.schemaPrefix), max: 2 });
      if (compose.gateway === undefined) throw new Error('no service of the compose file serves the HTTP API (the gateway role)');
      const api = new GatewayClient(compose.gateway);
      invariants = await scenario(options, d, compose, api, db, say, step);
      step(5, 'stopping the services (SIGTERM)');
      await db.end();
      db = undefined;
      const ended = await compose.down();
      const unclean = [...ended].filter(([, status]) => status.code !== 0).map(([name, status]) => `${name} ended with ${describeExit(status)}`);
      invariants.push(invariant('every service stops cleanly on SIGTERM', `${ended.size} stopped, ${unclean.length} did not exit 0`, unclean));
    });
  } catch (err) {
    say(`\nharness: ${(err as Error).message}`);
    invariants.push(notReached('the harness runs to its end', errorLine(err)));
  }
  const failed = invariants.some((i) => !i.holds);
  if (!failed) await rm(runDir, { recursive: true, force: true });
  return { queueDriver: options.queueDriver, invariants, seconds: Math.round((performance.now() - started) / 1000), logs: failed ? runDir : undefined };
}

/** The sync with a worker crash, the analytics run, then the state invariants, which hold or fail whatever happened before. */
async function scenario(options: HarnessOptions, d: DevnetDescription, compose: LocalCompose, api: GatewayClient, db: PgPool, say: Say, step: Step): Promise<Invariant[]> {
  step(3, `sync: POST /v1/jobs (the demo's job, ${options.chunkSize}-block ranges); one worker process SIGKILLed and restarted midway`);
  const sync = await syncWithWorkerCrash(api, db, compose, d, options, say);
  step(4, "analytics: POST /v1/runs (the demo's DAG), then compared with the devnet's own answers");
  const analytics = await analyticsStep(api, d, options.timeoutSeconds, sync.unfinished, say);
  const config = serviceConfig(compose);
  const objects = await openObjectStore({ config, dataDir: config.dataDir });
  try {
    return [
      ...sync.invariants,
      ...analytics,
      await outboxDrains(db, OUTBOX_DRAIN_MS),
      await rangesRegisteredOnce(db),
      await noLapsedLeases(db),
      await noUntrackedObjects(db, objects.store, [config.bucketDatasets, config.bucketResults, config.bucketScratch]),
    ];
  } finally {
    await objects.stop();
  }
}

/** The configuration of the first long-running service: they all share its database, store and buckets. */
function serviceConfig(compose: LocalCompose): Config {
  const name = compose.plans.find((p) => p.kind === 'trace' && !p.oneShot)!.service.name;
  return loadConfig(compose.environment(name));
}
