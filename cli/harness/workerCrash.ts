/**
 * One worker process killed mid-attempt and restarted, as a crash and compose's restart policy
 * would do it: wait until the node runs at least one attempt, SIGKILL it, start it again and wait
 * until it is ready. Afterwards, the attempts it was running must have been taken back (their
 * leases lapse and the reaper retries them) and their tasks must end as if nothing had happened.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { describeExit } from '../processes/managedProcess.js';
import type { TraceNode } from '../processes/traceNode.js';
import { invariant, type Invariant } from './invariants/invariant.js';

const SQL = loadStatements('harness/invariants.sql', ['runningOn', 'attemptsOf'] as const);

/** How often the victim's running attempts are looked at: a 10-block range takes ~0.3 s. */
const POLL_MS = 20;

export interface WorkerCrash {
  node: string;
  killedPid: number;
  restartedPid: number;
  workerId: string;
  /** The attempts the node was running when it was killed. */
  killed: { task_id: string; attempt: number }[];
}

/**
 * Kills `node` once it runs an attempt and restarts it (again, should it have died holding none);
 * `givesUp` says when waiting is pointless (the work it should be killed in the middle of is over).
 */
export async function crashWorker(
  db: PgPool,
  node: TraceNode,
  workerId: string,
  givesUp: () => Promise<string | undefined>,
  readyTimeoutMs: number,
): Promise<WorkerCrash> {
  const runningOn = async (id: string) => (await db.query<{ task_id: string; attempt: number }>(SQL.runningOn, [id])).rows;
  let victim = workerId;
  for (;;) {
    if ((await runningOn(victim)).length > 0) {
      const killedPid = node.pid!;
      const status = await node.kill();
      if (status.signal !== 'SIGKILL') throw node.failure(`ended (${describeExit(status)}) before SIGKILL reached it`);
      // Read again now that it is dead: it may have claimed more, or finished what it ran, since the look above.
      const killed = await runningOn(victim);
      await node.restart();
      const restarted = await node.ready(readyTimeoutMs);
      if (killed.length > 0) return { node: node.name, killedPid, restartedPid: node.pid!, workerId: victim, killed };
      victim = restarted.workerId; // it died holding nothing: try again on the new incarnation
    }
    const why = await givesUp();
    if (why !== undefined) throw new Error(`${node.name} was never killed while running an attempt: ${why}`);
    await delay(POLL_MS);
  }
}

/** The killed attempts did not stay running, and their tasks all succeeded. */
export async function crashRecovered(db: PgPool, crash: WorkerCrash): Promise<Invariant> {
  const attempts = (await db.query<{ task_id: string; attempt: number; worker_id: string; outcome: string; status: string }>(SQL.attemptsOf, [crash.killed.map((k) => k.task_id)])).rows;
  const problems: string[] = [];
  const outcomes: string[] = [];
  for (const { task_id, attempt } of crash.killed) {
    const killed = attempts.find((a) => a.task_id === task_id && a.attempt === attempt);
    const history = attempts.filter((a) => a.task_id === task_id);
    outcomes.push(`task ${task_id}: ${history.map((a) => a.outcome).join(' → ')}`);
    if (killed?.outcome === 'running') problems.push(`task ${task_id} attempt ${attempt} is still recorded as running on the killed worker`);
    if (history[0]?.status !== 'succeeded') problems.push(`task ${task_id} ended ${history[0]?.status ?? 'unknown'}, not succeeded`);
  }
  const figure = `${crash.node} pid ${crash.killedPid} SIGKILLed running ${crash.killed.length} attempt(s), restarted as pid ${crash.restartedPid}; ${outcomes.join('; ')}`;
  return invariant('a worker killed and restarted midway changes nothing', figure, problems);
}
