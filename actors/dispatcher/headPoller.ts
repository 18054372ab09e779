import type { DispatcherDuty } from './duty.js';

/** A target trails the head by at most one poll (a few Monad blocks at ~0.4 s each) for one eth_blockNumber per stream a poll. */
const HEAD_POLL_INTERVAL_MS = 500;

/** follow_head streams: each due stream's target moves to head − tail_lag + 1 (end-exclusive). */
export const headPoller: DispatcherDuty = {
  name: 'head poller',
  intervalMs: () => HEAD_POLL_INTERVAL_MS,
  async tick(rt, log) {
    for (const stream of await rt.syncJobs.headPollsDue()) {
      if (stream.mode.kind !== 'follow_head') continue;
      try {
        const head = Number(await rt.rpc().get(stream.rpc_pool).call('eth_blockNumber', undefined));
        await rt.syncJobs.setTarget(stream.job_id, stream.stream_key, Math.max(0, head - stream.mode.tail_lag + 1));
      } catch (err) {
        // An unreachable node is weather: the stream waits and the next poll tries again.
        log.warn({ err, job: stream.job_id, stream: stream.stream_key }, 'head poll failed');
      }
    }
  },
};
