import { Actor } from '../../runtime/actor.js';
import type { Runtime } from '../node/context.js';
import { canonicalHashes } from '../../drivers/chain/fetch.js';

/**
 * The dispatcher's durable duties, each a periodic transaction over task state:
 * - lease reaper: running attempts whose lease expired fail (retry or terminal);
 * - retry scheduler: failed tasks due for retry are queued as their next attempt, with a wake-up;
 * - sweeper: queued tasks whose wake-up is older than the grace period get a new wake-up;
 * - sync planner: chain_sync streams with room get their next ranges, one task each;
 * - head poll and tip follower (follow_head jobs): targets move with the head, and a reorg below
 *   the head invalidates the affected ranges so they are ingested again.
 * Task creation (run submission) is the same TaskStore call from every entry point. Any number of
 * dispatchers may run: each duty locks its rows with SKIP LOCKED.
 */
export class DispatcherActor extends Actor<never> {
  constructor(private readonly rt: Runtime) {
    super('dispatcher', rt.log.child({ actor: 'dispatcher' }));
  }

  protected override async onStart(): Promise<void> {
    const { config, tasks } = this.rt;
    // A lease is reaped within a quarter of its TTL after it expires (at most 1 s late).
    const reapEveryMs = Math.min(1000, (config.leaseTtlSeconds * 1000) / 4);
    this.every(reapEveryMs, async () => {
      const reaped = await tasks.reapExpiredLeases();
      if (reaped > 0) this.log.warn({ reaped }, 'reaped expired leases');
    });
    this.every(Math.min(1000, config.retryBaseSeconds * 500), async () => {
      const requeued = await tasks.requeueDueRetries();
      if (requeued > 0) this.log.info({ requeued }, 'queued retries');
    });
    // A range slot waits half a tick on average for its next range: at 250 ms that was 124 ms of a
    // 1.05 s cycle (bench/ingest); 100 ms halves it for one cheap indexed query per tick.
    this.every(100, async () => {
      const planned = await this.rt.syncJobs.planOnce();
      if (planned > 0) this.log.debug({ planned }, 'planned sync ranges');
    });
    this.every(500, () => this.pollHeads());
    this.every(1000, () => this.followTips());
    this.every(Math.max(200, (config.sweepGraceSeconds * 1000) / 4), async () => {
      const rewoken = await tasks.rewakeStaleQueued(config.sweepGraceSeconds);
      if (rewoken > 0) this.log.warn({ rewoken }, 're-emitted wake-ups for queued tasks');
    });
  }

  private async followTips(): Promise<void> {
    try {
      for (const reorg of await this.rt.syncJobs.detectReorgs((pool, blocks) => canonicalHashes(this.rt.rpc().get(pool), blocks))) {
        this.log.warn(reorg, 'reorg detected; re-ingesting from the first changed block');
      }
    } catch (err) {
      this.log.warn({ err }, 'tip check failed');
    }
  }

  /** follow_head streams: move each due stream's target to head − tail_lag + 1 (end-exclusive). */
  private async pollHeads(): Promise<void> {
    for (const stream of await this.rt.syncJobs.headPollsDue()) {
      if (stream.mode.kind !== 'follow_head') continue;
      try {
        const head = Number(await this.rt.rpc().get(stream.rpc_pool).call('eth_blockNumber', undefined));
        await this.rt.syncJobs.setTarget(stream.job_id, stream.stream_key, Math.max(0, head - stream.mode.tail_lag + 1));
      } catch (err) {
        // An unreachable node is weather: the stream waits and the next poll tries again.
        this.log.warn({ err, job: stream.job_id, stream: stream.stream_key }, 'head poll failed');
      }
    }
  }
}
