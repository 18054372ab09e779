/**
 * A fault kind: what the services need to be started with for it (a second dispatcher), and one
 * injection of the fault into the running system. An injection resolves once the fault has happened
 * (a process is dead, a server restarted); recovering is the system's job.
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Role } from '../../../actors/node/roles.js';
import type { RpcFaultProxy } from '../../../drivers/chain/rpcFaultProxy.js';
import type { PgPool } from '../../../drivers/postgres/postgres.js';
import type { S3FaultProxy } from '../../../drivers/store/s3FaultProxy.js';
import type { TraceNode } from '../../processes/traceNode.js';
import type { OwnPostgres } from '../ownPostgres.js';
import type { ProducingChain } from '../producingChain.js';
import type { OwnS3 } from '../ownS3.js';
import type { Supervisor } from '../supervisor.js';

export interface ChaosContext {
  supervisor: Supervisor;
  postgres: OwnPostgres;
  s3: OwnS3;
  rpc: RpcFaultProxy;
  /** In front of the S3 server; the services go through it in a kind that says s3ThroughFaultProxy. */
  s3Proxy: S3FaultProxy;
  /** The run's database (state and hot data). */
  db: PgPool;
  /** The run's seeded PRNG, in [0, 1). */
  random: () => number;
  /** The services' lease, in ms (a stall must outlast it). */
  leaseMs: number;
  /** What a service arms when it gets SIGUSR2 (TRACE_TEST_FAILPOINTS_ON_SIGUSR2 names it). */
  failpointFile: string;
  /** Queries a kind asked while injecting that failed without a clear error, or broke the node (counted in query_mismatch). */
  queryProblems: string[];
  /** The devnet the run follows, when the kind asked for a producing one. */
  chain: ProducingChain | undefined;
}

export interface FaultKind {
  /** As `--kinds` names it. */
  name: string;
  /** The fault, one line, for the report. */
  summary: string;
  /** Instances per compose service, when the kind needs more than one. */
  scale?: Record<string, number>;
  /** The services' S3 endpoint is the suite's S3 fault proxy (else the S3 server itself). */
  s3ThroughFaultProxy?: boolean;
  /**
   * The run follows the head (follow_head) of a devnet of its own that keeps producing blocks, and
   * its data is judged against that devnet's chain alone (it is not the undisturbed run's chain).
   */
  producingChain?: true;
  /** Injects the fault once; says what was done. */
  inject(ctx: ChaosContext): Promise<string>;
}

/** The variable that names the file a service arms failpoints from each time it gets SIGUSR2 (runtime/failpoints.ts). */
export const FAILPOINTS_ON_SIGNAL = 'TRACE_TEST_FAILPOINTS_ON_SIGUSR2';

/** Arms `spec` (TRACE_TEST_FAILPOINTS syntax) in `node`, now. */
export async function armFailpoints(ctx: ChaosContext, node: TraceNode, spec: string): Promise<void> {
  await writeFile(ctx.failpointFile, spec);
  node.signal('SIGUSR2');
}

/**
 * How long an injection waits for a node of a role to run again: with 20 injections over a ~30 s
 * sync they come ~1.5 s apart, while the supervisor's restart of a killed node takes 2–20 s.
 */
const ROLE_RUNNING_WAIT_MS = 60_000;
const ROLE_POLL_MS = 100;

/**
 * The ready nodes with `role`, once there is one (the last injection may have killed them all). Not
 * merely running: a node restarted a moment ago has no SIGUSR2 handler yet, and the signal ends it.
 */
export async function nodesWithRole(ctx: ChaosContext, role: Role): Promise<TraceNode[]> {
  const deadline = Date.now() + ROLE_RUNNING_WAIT_MS;
  for (;;) {
    const nodes = ctx.supervisor.nodes.filter((n) => n.roles.includes(role) && ctx.supervisor.isReady(n));
    if (nodes.length > 0) return nodes;
    if (Date.now() > deadline) throw new Error(`no node with the ${role} role was ready again within ${ROLE_RUNNING_WAIT_MS / 1000} s`);
    await delay(ROLE_POLL_MS);
  }
}

export function pick<T>(ctx: ChaosContext, items: readonly T[]): T {
  return items[Math.floor(ctx.random() * items.length)]!;
}
