import { canonicalHashes } from '../../drivers/chain/fetch.js';
import type { DispatcherDuty } from './duty.js';

/** A reorg is noticed within 1 s (Monad finalises in ~1 s), for one batched hash lookup per stream a check. */
const TIP_CHECK_INTERVAL_MS = 1000;

/**
 * Compares the newest ingested block hashes with the node's; from the first block that changed, the
 * affected ranges are invalidated so they are ingested again.
 */
export const tipFollower: DispatcherDuty = {
  name: 'tip follower',
  intervalMs: () => TIP_CHECK_INTERVAL_MS,
  async tick(rt, log) {
    try {
      for (const reorg of await rt.syncJobs.detectReorgs((pool, blocks) => canonicalHashes(rt.rpc().get(pool), blocks))) {
        log.warn(reorg, 'reorg detected; re-ingesting from the first changed block');
      }
    } catch (err) {
      log.warn({ err }, 'tip check failed');
    }
  },
};
