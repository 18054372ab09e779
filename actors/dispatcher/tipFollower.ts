import { canonicalHashes } from '../../drivers/chain/fetch.js';
import type { DispatcherDuty } from './duty.js';

/** A reorg is noticed within 1 s (Monad finalises in ~1 s), for one batched hash lookup per followed job a check. */
const TIP_CHECK_INTERVAL_MS = 1000;
/** With no follow_head job active there is no tip to follow; a job applied or resumed wakes it (NOTIFY 'plan'). */
const NO_FOLLOWER_SAFETY_POLL_MS = 30_000;

/**
 * Compares the newest block hashes the committed ranges were read at with the node's; from the
 * first block that changed, the affected ranges are invalidated so they are ingested again.
 */
export const tipFollower: DispatcherDuty = {
  name: 'tip follower',
  intervalMs: () => TIP_CHECK_INTERVAL_MS,
  idleMaxMs: () => NO_FOLLOWER_SAFETY_POLL_MS,
  wokenBy: ['plan'],
  async tick(rt, log) {
    try {
      const pools = await rt.rpc();
      const { followed, reorgs } = await rt.syncJobs.detectReorgs((pool, blocks) => canonicalHashes(pools.get(pool), blocks));
      for (const reorg of reorgs) log.warn(reorg, 'reorg detected; re-ingesting from the first changed block');
      return followed > 0;
    } catch (err) {
      log.warn({ err }, 'tip check failed');
      return true;
    }
  },
};
