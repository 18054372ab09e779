import { readEnvelope, visibleAt } from './messageEnvelope.js';
import { acknowledge, answer, nak, pullNow } from './jetStreamPull.js';
import type { NatsLink } from './natsLink.js';
import type { NatsNotices } from './natsNotices.js';
import type { NatsTopology } from './natsTopology.js';
import type { QueueMessages } from './queueMessages.js';

/** Delayed messages moved to the live stream per receive at most; the rest wait for the next. */
const PROMOTE_BATCH = 100;

/**
 * Delays on JetStream 2.9, which has no per-message schedule: a delayed message waits in the
 * delayed stream with its due time in a header. Every receive first pulls what the queue's delayed
 * consumer hands out: a due message is republished into the live stream (its id makes the copy
 * idempotent) and acked; one not yet due is nak'ed with the time left, so JetStream hands it out
 * again when it is due, and its due time is announced for waiting consumers. The live stream
 * thus counts only real deliveries, which is what delivery budgets are spent on.
 */
export class DelayedMessages {
  constructor(
    private readonly topology: NatsTopology,
    private readonly messages: QueueMessages,
    private readonly notices: NatsNotices,
  ) {}

  async promoteDue(link: NatsLink, queue: string): Promise<void> {
    const held = await pullNow(link.nc, this.topology.delayedStream, queue, PROMOTE_BATCH);
    await Promise.all(
      held.map(async (delivery) => {
        const due = visibleAt(delivery.headers);
        const wait = due - Date.now();
        if (wait > 0) {
          await answer(link.nc, delivery, nak(wait / 1000));
          this.notices.announce(link, queue, due);
          return;
        }
        const envelope = readEnvelope(delivery.headers, delivery.data, delivery.storedAt);
        await this.messages.publish(link, queue, [envelope], 0, [`delayed:${delivery.streamSeq}`]);
        acknowledge(link.nc, delivery);
      }),
    );
  }
}
