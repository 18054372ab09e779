import type { DispatcherDuty } from './duty.js';

/** A target trails the head by at most one poll (a few Monad blocks at ~0.4 s each) for one eth_blockNumber per due stream. */
const HEAD_POLL_INTERVAL_MS = 500;
/** With no follow_head job active nothing is polled; a job applied or resumed wakes it (NOTIFY 'plan'). */
const NO_FOLLOWER_SAFETY_POLL_MS = 30_000;

/** follow_head streams: each due stream's target moves to head − tail_lag + 1 (end-exclusive). */
export const headPoller: DispatcherDuty = {
  name: 'head poller',
  intervalMs: () => HEAD_POLL_INTERVAL_MS,
  idleMaxMs: () => NO_FOLLOWER_SAFETY_POLL_MS,
  wokenBy: ['plan'],
  async tick(rt, log) {
    const streams = await rt.syncJobs.followHeadStreams();
    for (const stream of streams.filter((s) => s.due)) {
      if (stream.mode.kind !== 'follow_head') continue;
      try {
        const head = Number(await (await rt.rpc()).get(stream.rpc_pool).call('eth_blockNumber', undefined));
        await rt.syncJobs.setTarget(stream.job_id, stream.stream_key, Math.max(0, head - stream.mode.tail_lag + 1));
      } catch (err) {
        // An unreachable node is weather: the stream waits and the next poll tries again.
        log.warn({ err, job: stream.job_id, stream: stream.stream_key }, 'head poll failed');
      }
    }
    return streams.length > 0;
  },
};
