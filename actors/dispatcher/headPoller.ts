import { headIsStale } from '../state/syncJobs.js';
import type { DispatcherDuty } from './duty.js';

/** A target trails the head by at most one poll (a few Monad blocks at ~0.4 s each) for one eth_blockNumber per due stream. */
const HEAD_POLL_INTERVAL_MS = 500;
/** With no follow_head job active nothing is polled; a job applied or resumed wakes it (NOTIFY 'plan'). */
const NO_FOLLOWER_SAFETY_POLL_MS = 30_000;

/**
 * follow_head streams: each due stream's target moves to head − tail_lag + 1 (end-exclusive),
 * unless the head block is older than the job's max_head_age_seconds (a stalled node): then the
 * target holds and the poll is recorded, so status says planning is paused.
 */
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
        const block = await (await rt.rpc()).get(stream.rpc_pool).call('eth_getBlockByNumber', ['latest', false]);
        if (block === null) throw new Error('the node has no latest block');
        const head = { number: Number(block.number), timestamp: Number(block.timestamp) };
        if (headIsStale(stream.mode, Date.now() / 1000 - head.timestamp)) {
          await rt.syncJobs.recordStaleHead(stream.job_id, stream.stream_key, head);
          continue;
        }
        await rt.syncJobs.setTarget(stream.job_id, stream.stream_key, Math.max(0, head.number - stream.mode.tail_lag + 1), head);
      } catch (err) {
        // An unreachable node is weather: the stream waits and the next poll tries again.
        log.warn({ err, job: stream.job_id, stream: stream.stream_key }, 'head poll failed');
      }
    }
    return streams.length > 0;
  },
};
