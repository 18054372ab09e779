/**
 * The harness's sync: the demo's chain_sync job applied over the gateway's HTTP API and followed
 * until it settles or its time is up, while one worker process is SIGKILLed mid-attempt and
 * restarted. Judged: the job completes, and the crash changed nothing for the tasks it hit.
 */
import type { DevnetDescription } from '../../drivers/devnet/devnet.js';
import type { PgPool } from '../../drivers/postgres/postgres.js';
import type { JobStatus } from '../../actors/state/syncJobs.js';
import type { LocalCompose } from '../compose/localCompose.js';
import { demoSyncJobYaml } from '../demo/demoJob.js';
import type { TraceNode } from '../processes/traceNode.js';
import { jobSettled, watchJob } from '../progress.js';
import type { GatewayClient } from './gatewayClient.js';
import { invariant, type Invariant } from './invariants/invariant.js';
import { crashRecovered, crashWorker } from './workerCrash.js';

/** A restarted node is ready within seconds; this only bounds a wedged one. */
const RESTART_TIMEOUT_MS = 60_000;
const SYNC_COMPLETES = 'the sync job completes';
const CRASH_CHANGES_NOTHING = 'a worker killed and restarted midway changes nothing';

export interface SyncOutcome {
  invariants: Invariant[];
  /** Why the job is not complete; undefined when it is. */
  unfinished: string | undefined;
}

export async function syncWithWorkerCrash(
  api: GatewayClient,
  db: PgPool,
  compose: LocalCompose,
  d: DevnetDescription,
  options: { chunkSize: number; timeoutSeconds: number },
  say: (line: string) => void,
): Promise<SyncOutcome> {
  const yaml = demoSyncJobYaml({ chainId: d.chain_id, fromBlock: 0, toBlock: d.last_block + 1, traces: false, balanceDiffs: true, chunkSize: options.chunkSize });
  const { job_id: jobId } = await api.applyJob(yaml);
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let watching = true;
  const [worker, workerId] = workerNode(compose);
  const givesUp = async () => (!watching ? 'the sync settled or timed out first' : (await api.jobStatus(jobId)).complete ? 'the sync completed first' : undefined);
  // Settled to a value either way, so the watch below never leaves it unhandled.
  const crashed = crashWorker(db, worker, workerId, givesUp, RESTART_TIMEOUT_MS).then(
    (crash) => {
      say(`killed ${crash.node} (pid ${crash.killedPid}) running ${crash.killed.length} attempt(s); restarted as pid ${crash.restartedPid}`);
      return crash;
    },
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  let status: JobStatus;
  try {
    status = await watchJob({ status: (id) => api.jobStatus(id) }, jobId, process.stderr, (s) => jobSettled(s) || Date.now() > deadline);
  } finally {
    watching = false;
  }
  const crash = await crashed;
  const done = Object.values(status.streams).reduce((n, s) => n + s.ranges_done, 0);
  const inFlight = Object.values(status.streams).reduce((n, s) => n + s.ranges_in_flight, 0);
  const problems = [
    ...(status.complete ? [] : [`not complete after ${options.timeoutSeconds} s: ${done} ranges done, ${inFlight} in flight`]),
    ...status.failed_ranges.map((r) => `${r.stream} [${r.start}, ${r.end}) failed: ${r.error ?? 'cancelled'}`),
  ];
  return {
    invariants: [
      invariant(SYNC_COMPLETES, `${done} ranges done, ${inFlight} in flight, ${status.failed_ranges.length} failed; complete: ${status.complete}`, problems),
      crash instanceof Error ? invariant(CRASH_CHANGES_NOTHING, 'no worker was killed', [crash.message]) : await crashRecovered(db, crash),
    ],
    unfinished: status.complete ? undefined : 'the sync did not complete',
  };
}

/** The first instance of a service with the worker role, with the worker id it reported when ready. */
function workerNode(compose: LocalCompose): [TraceNode, string] {
  for (const [node, ready] of compose.readiness) if (node.roles.includes('worker')) return [node, ready.workerId];
  throw new Error('no service of the compose file runs the worker role');
}
