/**
 * A pool thread dying mid-job: a busy worker process's next thread job (an ingest range's fetch,
 * decode and upload) ends its Piscina thread while it runs. The attempts on that thread fail and are
 * retried; the pool starts another thread; the process stays up (the injection says whether it did).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import { THREAD_EXIT_POINT } from '../../../runtime/threads/threadPool.js';
import { armFailpoints, type ChaosContext, type FaultKind } from './faultKind.js';
import { busyWorker } from './inFlight.js';

const SQL = loadStatements('harness/chaos.sql', ['threadExitFailures'] as const);

/**
 * A busy worker starts its next range's thread job within a second (4 attempts at once, ~0.2-1 s
 * each); this bounds the wait for the thread to die. An idle worker (the sync is over) is not
 * waited for: 20 injections of 10 s each into idle workers held a run up 200 s.
 */
const THREAD_EXIT_WAIT_MS = 3_000;
const POLL_MS = 100;

export const poolThreadDies: FaultKind = {
  name: 'pool_thread_dies',
  summary: "a worker's pool thread ends mid-job (the thread's other jobs fail with it)",
  async inject(ctx) {
    const { node, busy } = await busyWorker(ctx);
    const pid = node.pid;
    const before = await threadExitFailures(ctx);
    await armFailpoints(ctx, node, `${THREAD_EXIT_POINT}=exit*1`);
    const deadline = Date.now() + (busy ? THREAD_EXIT_WAIT_MS : 0);
    let failed = before;
    while (failed <= before && Date.now() < deadline) {
      await delay(POLL_MS);
      failed = await threadExitFailures(ctx);
    }
    const died = failed > before ? `${failed - before} attempt(s) failed with the thread` : busy ? `no job started within ${THREAD_EXIT_WAIT_MS / 1000} s` : 'armed for its next job';
    const up = node.running && node.pid === pid ? 'the process stayed up' : 'the process did not stay up';
    return `${node.name} (pid ${pid}${busy ? ', running an attempt' : ', idle'}): its next thread job ended its thread; ${died}; ${up}`;
  },
};

async function threadExitFailures(ctx: ChaosContext): Promise<number> {
  return ctx.db.query<{ failures: number }>(SQL.threadExitFailures).then(
    (r) => r.rows[0]!.failures,
    () => 0, // the database may be briefly unreachable: look again
  );
}
