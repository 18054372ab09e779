/**
 * Faults of the services' own processes, each reaching a process this suite started, by its pid:
 * SIGKILL of a worker mid-range, SIGKILL of a dispatcher between publish and outbox delete, a
 * graceful SIGTERM of every role in turn, the process dying right after a COMMIT it never acts on,
 * an event-loop stall longer than the lease, and two dispatchers and janitors at once.
 */
import type { Role } from '../../../actors/node/roles.js';
import { describeExit } from '../../processes/managedProcess.js';
import { FAILPOINTS_ON_SIGNAL, nodesWithRole, pick, type ChaosContext, type FaultKind } from './faultKind.js';
import { busyWorker, exitsWithin } from './inFlight.js';

/** A publisher polls the outbox every 200 ms (TRACE_POLL_INTERVAL_MS in chaos); a claim comes as often. */
const ARMED_FAILPOINT_WAIT_MS = 5_000;
/** Graceful stops finish attempts within the shutdown grace (2 s in chaos); this bounds a wedged one. */
const SIGTERM_GRACE_MS = 10_000;
const ROLES_IN_TURN: readonly Role[] = ['dispatcher', 'worker', 'gateway'];

/** SIGUSR2 to `node` (arming its failpoints), then up to ARMED_FAILPOINT_WAIT_MS for it to die at the point. */
async function crashAtFailpoint(node: ReturnType<typeof nodesWithRole>[number], point: string): Promise<string> {
  const pid = node.pid;
  node.signal('SIGUSR2');
  const died = await exitsWithin(node, ARMED_FAILPOINT_WAIT_MS);
  return died ? `${node.name} (pid ${pid}) crashed at ${point}` : `${node.name} (pid ${pid}) armed at ${point}, not reached within ${ARMED_FAILPOINT_WAIT_MS / 1000} s`;
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

export const dispatcherSigkillAfterPublish: FaultKind = {
  name: 'dispatcher_sigkill_after_publish',
  summary: 'the dispatcher/publisher process SIGKILLed between publish and outbox delete',
  environment: () => ({ [FAILPOINTS_ON_SIGNAL]: 'publisher.afterPublish=crash*1' }),
  inject: (ctx) => crashAtFailpoint(pick(ctx, nodesWithRole(ctx, 'publisher')), 'publisher.afterPublish'),
};

let nextRole = 0;
export const gracefulSigterm: FaultKind = {
  name: 'sigterm_each_role',
  summary: 'a graceful SIGTERM of each role in turn, attempts in flight',
  async inject(ctx) {
    const role = ROLES_IN_TURN[nextRole++ % ROLES_IN_TURN.length]!;
    const node = role === 'worker' ? (await busyWorker(ctx)).node : pick(ctx, nodesWithRole(ctx, role));
    const pid = node.pid;
    const status = await node.stop(SIGTERM_GRACE_MS);
    return `SIGTERM ${node.name} (pid ${pid}, ${role}): ${describeExit(status)}`;
  },
};

export const crashAfterCommit: FaultKind = {
  name: 'crash_after_commit',
  summary: 'a claim COMMITted whose reply the worker never acts on (it dies right after)',
  environment: () => ({ [FAILPOINTS_ON_SIGNAL]: 'attempts.afterClaim=crash*1' }),
  inject: (ctx: ChaosContext) => crashAtFailpoint(pick(ctx, nodesWithRole(ctx, 'worker')), 'attempts.afterClaim'),
};

/** Stall factor over the lease: 1.5× lapses it for sure, and the heartbeat cannot renew meanwhile. */
const STALL_OVER_LEASE = 1.5;
export const workerStall: FaultKind = {
  name: 'worker_stall',
  summary: 'an event-loop stall in a worker longer than its lease, before it records success',
  environment: (leaseMs) => ({ [FAILPOINTS_ON_SIGNAL]: `worker.beforeSucceed=stall${stallMs(leaseMs)}*1` }),
  async inject(ctx) {
    const { node, busy } = await busyWorker(ctx);
    node.signal('SIGUSR2');
    return `SIGUSR2 ${node.name} (pid ${node.pid}${busy ? ', running an attempt' : ', idle'}): stalls ${stallMs(ctx.leaseMs)} ms at worker.beforeSucceed`;
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
    const node = pick(ctx, nodesWithRole(ctx, 'dispatcher'));
    const pid = node.pid;
    await node.kill();
    return `SIGKILL ${node.name} (pid ${pid}); the other dispatcher and janitor run on`;
  },
};
