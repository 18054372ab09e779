/**
 * Waiting for work in flight: a fault "mid-range" is injected into a worker process that runs an
 * attempt now, found by the pid in the worker id its attempts record (`host:pid:tag`).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { TraceNode } from '../../processes/traceNode.js';
import { nodesWithRole, pick, type ChaosContext } from './faultKind.js';

const SQL = loadStatements('harness/chaos.sql', ['runningWorkers'] as const);

/** A 5-block range takes ~0.2 s: looking every 20 ms catches one in flight. */
const POLL_MS = 20;
/** After this long with nothing in flight (the sync is over), any worker is the victim. */
const WAIT_MS = 5_000;

/** A worker node running an attempt now (any worker once WAIT_MS passed with none), and whether it was busy. */
export async function busyWorker(ctx: ChaosContext): Promise<{ node: TraceNode; busy: boolean }> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const workers = await nodesWithRole(ctx, 'worker');
    const running = await ctx.db.query<{ worker_id: string }>(SQL.runningWorkers).then(
      (r) => r.rows,
      () => [], // the database may be down (another fault): look again
    );
    const pids = new Set(running.map((r) => Number(r.worker_id.split(':')[1])));
    const busy = workers.filter((n) => pids.has(n.pid ?? -1));
    if (busy.length > 0) return { node: pick(ctx, busy), busy: true };
    if (Date.now() > deadline) return { node: pick(ctx, workers), busy: false };
    await delay(POLL_MS);
  }
}

/** Resolves once `node`'s current incarnation exits, or false after `timeoutMs`. */
export async function exitsWithin(node: TraceNode, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([node.exited().then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
  clearTimeout(timer);
  return exited;
}
