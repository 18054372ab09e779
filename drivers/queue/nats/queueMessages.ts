import { envelopeHeaders, type Envelope } from './messageEnvelope.js';
import type { NatsLink } from './natsLink.js';
import type { NatsNotices } from './natsNotices.js';
import type { NatsTopology } from './natsTopology.js';

/**
 * Puts messages on a queue: into the live stream when they are visible at once, into the delayed
 * stream (with the time they are due) otherwise, and announces them either way.
 */
export class QueueMessages {
  constructor(
    private readonly topology: NatsTopology,
    private readonly notices: NatsNotices,
  ) {}

  /**
   * Publishes in order (one connection keeps the order of its publishes). `messageIds` make a
   * republish idempotent: the stream drops a second copy within its duplicate window.
   */
  async publish(link: NatsLink, queue: string, envelopes: readonly Envelope[], delaySeconds: number, messageIds?: readonly string[]): Promise<void> {
    const due = delaySeconds > 0 ? Date.now() + delaySeconds * 1000 : undefined;
    const subject = due === undefined ? this.topology.liveSubject(queue) : this.topology.delayedSubject(queue);
    await Promise.all(
      envelopes.map((envelope, i) => link.js.publish(subject, envelope.data, { headers: envelopeHeaders(envelope, due), msgID: messageIds?.[i] })),
    );
    this.notices.announce(link, queue, due ?? Date.now());
  }
}
