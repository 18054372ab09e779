import type { DispatcherDuty } from './duty.js';
import { lostWakeupSweeper } from './lostWakeupSweeper.js';

/**
 * Pending buffer batches: those whose attempt ended without succeeding are discarded, and those
 * announced longer than the sweep grace ago (a lost or wiped queue) get a new wake-up.
 */
export const pendingBatchSweeper: DispatcherDuty = {
  name: 'pending batch sweeper',
  // The same grace and cadence as the task sweeper: both re-announce work whose wake-up was lost.
  intervalMs: lostWakeupSweeper.intervalMs,
  idleMaxMs: lostWakeupSweeper.idleMaxMs,
  wokenBy: [],
  async tick(rt, log) {
    const { discarded, reannounced } = await rt.buffers.sweep(rt.config.sweepGraceSeconds);
    if (discarded > 0) log.info({ discarded }, 'discarded buffer batches of attempts that did not succeed');
    if (reannounced > 0) log.warn({ reannounced }, 're-emitted wake-ups for pending buffer batches');
    return discarded + reannounced > 0;
  },
};
