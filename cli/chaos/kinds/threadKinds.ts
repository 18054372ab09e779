/**
 * A pool thread dying mid-job: a busy worker process's next thread job (an ingest range's fetch,
 * decode and upload) ends its Piscina thread while it runs. The attempt fails and is retried; the
 * pool starts another thread; the process stays up.
 */
import { THREAD_EXIT_POINT } from '../../../runtime/threads/threadPool.js';
import { armFailpoints, type FaultKind } from './faultKind.js';
import { busyWorker } from './inFlight.js';

export const poolThreadDies: FaultKind = {
  name: 'pool_thread_dies',
  summary: "a worker's pool thread ends mid-job (the thread's other jobs fail with it)",
  async inject(ctx) {
    const { node, busy } = await busyWorker(ctx);
    await armFailpoints(ctx, node, `${THREAD_EXIT_POINT}=exit*1`);
    return `SIGUSR2 ${node.name} (pid ${node.pid}${busy ? ', running an attempt' : ', idle'}): its next thread job ends its thread`;
  },
};
