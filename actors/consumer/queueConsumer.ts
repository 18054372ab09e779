import { Actor } from '../../runtime/actor.js';
import type { Runtime } from '../node/context.js';
import { sleep } from '../../runtime/waiting.js';
import { IdleBackoff } from '../../runtime/idleBackoff.js';

/** Deliveries taken per receive at most; the worker's free slots usually bound it first. */
const RECEIVE_BATCH = 32;
/**
 * The driver wakes a waiting consumer when a message is published or becomes visible; the poll
 * only covers a wake-up lost while its connection reconnects, so an empty queue is polled at most
 * every 30 s.
 */
const IDLE_POLL_MAX_MS = 30_000;

/**
 * Pulls wake-ups from the QueueDriver for every queue an actor subscribed to in the wake-up
 * mailbox, never more than the subscribers can take, and hands them over. When a queue is empty it
 * waits for the driver's wake-up (LISTEN/NOTIFY for pgqueue) or the poll interval.
 */
export class QueueConsumerActor extends Actor<never> {
  private failures = 0;

  constructor(private readonly rt: Runtime) {
    super('queue-consumer', rt.log.child({ actor: 'queue-consumer' }));
  }

  protected override async onStart(): Promise<void> {
    for (const queue of this.rt.wakeups.queues()) {
      const poll = new IdleBackoff(this.rt.config.pollIntervalMs, IDLE_POLL_MAX_MS);
      this.loop(() => this.consume(queue, poll));
    }
  }

  private async consume(queue: string, poll: IdleBackoff): Promise<void> {
    const { wakeups, config } = this.rt;
    const demand = Math.min(RECEIVE_BATCH, wakeups.demand(queue));
    if (demand === 0) return wakeups.waitForDemand(config.pollIntervalMs, this.stopSignal);
    try {
      const deliveries = await this.rt.queue.receive(queue, demand, config.visibilitySeconds);
      this.failures = 0;
      if (deliveries.length === 0) return await this.rt.queue.waitForMessages(queue, poll.next(false), this.stopSignal);
      poll.reset();
      for (const delivery of deliveries) wakeups.deliver(delivery);
    } catch (err) {
      // The queue being down is expected weather, not a crash: back off and keep trying; Postgres
      // state stays the truth and the sweeper re-emits what was lost.
      this.failures += 1;
      const backoffMs = Math.min(10_000, 100 * 2 ** this.failures);
      this.log.warn({ err, queue, backoffMs }, 'receive failed; backing off');
      await sleep(backoffMs, this.stopSignal);
    }
  }
}
