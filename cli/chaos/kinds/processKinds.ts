/**
 * Faults of the services' own processes, each reaching a process this suite started, by its pid:
 * SIGKILL of a worker mid-range, SIGKILL of a dispatcher between publish and outbox delete, a
 * graceful SIGTERM of every role in turn, the process dying right after a COMMIT it never acts on,
 * an event-loop stall longer than the lease, and two dispatchers and janitors at once.
 */
import type { Role } from '../../../actors/node/roles.js';
import { GatewayClient } from '../../harness/gatewayClient.js';
import { describeExit } from '../../processes/managedProcess.js';
import type { TraceNode } from '../../processes/traceNode.js';
import { armFailpoints, nodesWithRole, pick, type ChaosContext, type FaultKind } from './faultKind.js';
import { busyWorker, exitsWithin } from './inFlight.js';

/** A publisher polls the outbox every 200 ms (TRACE_POLL_INTERVAL_MS in chaos); a claim comes as often. */
const ARMED_FAILPOINT_WAIT_MS = 5_000;
/** Graceful stops finish attempts within the shutdown grace (2 s in chaos); this bounds a wedged one. */
const SIGTERM_GRACE_MS = 10_000;
const ROLES_IN_TURN: readonly Role[] = ['dispatcher', 'worker', 'gateway'];

/** Work an injection makes when its failpoint is not reached within `afterMs`: makes it and says what it made. */
interface Nudge {
  afterMs: number;
  make: () => Promise<string>;
}

/**
 * Arms `point` to crash `node`, then waits up to ARMED_FAILPOINT_WAIT_MS for it to die there; with a
 * `nudge`, after `nudge.afterMs` without a crash it first makes work that passes the point.
 */
async function crashAtFailpoint(ctx: ChaosContext, node: TraceNode, point: string, nudge?: Nudge): Promise<string> {
  const pid = node.pid;
  await armFailpoints(ctx, node, `${point}=crash*1`);
  let waitedMs = 0;
  let made = '';
  if (nudge !== undefined) {
    if (await exitsWithin(node, nudge.afterMs)) return `${node.name} (pid ${pid}) crashed at ${point}`;
    waitedMs = nudge.afterMs;
    made = ` (${await nudge.make()})`;
  }
  const died = await exitsWithin(node, ARMED_FAILPOINT_WAIT_MS);
  return died ? `${node.name} (pid ${pid}) crashed at ${point}${made}` : `${node.name} (pid ${pid}) armed at ${point}, not reached within ${(waitedMs + ARMED_FAILPOINT_WAIT_MS) / 1000} s${made}`;
}

export const workerSigkill: FaultKind = {
  name: 'worker_sigkill',
  summary: 'a worker process SIGKILLed mid-range',
  async inject(ctx) {
    const { node, busy } = await busyWorker(ctx);
    const pid = node.pid;
    await node.kill();
    return `SIGKILL ${node.name} (pid ${pid})${busy ? ' running an attempt' : ', idle: the sync was over'}`;
  },
};

/**
 * The sync publishes its ranges' wake-ups in a few batches (every stream plans up to 8 ranges at
 * once): a dispatcher armed after the last one waits in vain (17 of 20 injections at 24 blocks, 14 of
 * 20 at 64). An injection whose failpoint is not reached this soon gives the publisher something
 * to publish: a task submitted over the gateway, as a user would.
 */
const PUBLISH_WAIT_MS = 1_000;
/** The probe task's own work: short, so the sync's ranges keep the workers' slots. */
const PROBE_TASK_MS = 50;

export const dispatcherSigkillAfterPublish: FaultKind = {
  name: 'dispatcher_sigkill_after_publish',
  summary: 'the dispatcher/publisher process SIGKILLed between publish and outbox delete',
  inject: async (ctx) =>
    crashAtFailpoint(ctx, pick(ctx, await nodesWithRole(ctx, 'publisher')), 'publisher.afterPublish', {
      afterMs: PUBLISH_WAIT_MS,
      async make() {
        const { run_id: runId } = await new GatewayClient(ctx.supervisor.gateway).submitRun({
          name: `chaos-probe-${Date.now()}`,
          tasks: [{ name: 'probe', operator: 'sleep', params: { ms: PROBE_TASK_MS }, depends_on: [] }],
        });
        return `probe run ${runId} submitted`;
      },
    }),
};

let nextRole = 0;
export const gracefulSigterm: FaultKind = {
  name: 'sigterm_each_role',
  summary: 'a graceful SIGTERM of each role in turn, attempts in flight',
  async inject(ctx) {
    const role = ROLES_IN_TURN[nextRole++ % ROLES_IN_TURN.length]!;
    const node = role === 'worker' ? (await busyWorker(ctx)).node : pick(ctx, await nodesWithRole(ctx, role));
    const pid = node.pid;
    const status = await node.stop(SIGTERM_GRACE_MS);
    return `SIGTERM ${node.name} (pid ${pid}, ${role}): ${describeExit(status)}`;
  },
};

const COMMIT_POINTS = ['attempts.afterClaim', 'worker.beforeSucceed'] as const;
let nextCommitPoint = 0;
export const crashAfterCommit: FaultKind = {
  name: 'crash_after_commit',
  summary: 'a COMMIT whose reply the worker never acts on: it dies right after its claim, or after its range commit before recording success',
  // In turn: the claim's COMMIT, then the range's (the attempt's outputs are committed, its success is not).
  inject: async (ctx) => crashAtFailpoint(ctx, pick(ctx, await nodesWithRole(ctx, 'worker')), COMMIT_POINTS[nextCommitPoint++ % COMMIT_POINTS.length]!),
};

/** Stall factor over the lease: 1.5× lapses it for sure, and the heartbeat cannot renew meanwhile. */
const STALL_OVER_LEASE = 1.5;
export const workerStall: FaultKind = {
  name: 'worker_stall',
  summary: 'an event-loop stall in a worker longer than its lease, right before it commits a range',
  async inject(ctx) {
    const { node, busy } = await busyWorker(ctx);
    await armFailpoints(ctx, node, `ingest.beforeCommit=stall${stallMs(ctx.leaseMs)}*1`);
    return `SIGUSR2 ${node.name} (pid ${node.pid}${busy ? ', running an attempt' : ', idle'}): stalls ${stallMs(ctx.leaseMs)} ms at ingest.beforeCommit`;
  },
};

function stallMs(leaseMs: number): number {
  return Math.round(leaseMs * STALL_OVER_LEASE);
}

export const twoDispatchers: FaultKind = {
  name: 'two_dispatchers',
  summary: 'two dispatcher/publisher/janitor processes at once, one of them restarted each time',
  scale: { dispatcher: 2 },
  async inject(ctx) {
    const node = pick(ctx, await nodesWithRole(ctx, 'dispatcher'));
    const pid = node.pid;
    await node.kill();
    return `SIGKILL ${node.name} (pid ${pid}); the other dispatcher and janitor run on`;
  },
};
