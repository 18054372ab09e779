import { JetStreamApiError } from '@nats-io/jetstream';
import type { NatsLink } from './natsLink.js';
import type { NatsTopology } from './natsTopology.js';

/** JetStream's error code for a publish whose expected last subject sequence did not match: the slot is taken. */
const WRONG_LAST_SEQUENCE = 10071;

/** How a delivery ended, written into the fence before it is carried out so whoever finds it can finish it. */
export type Settlement =
  | { kind: 'ack' }
  | { kind: 'release'; delaySeconds: number; spent: number }
  | { kind: 'dead'; error: string | null; deliveryCount: number };

/** What a fence slot holds: a settlement, or nothing when a delivery claimed it. */
export interface SlotRecord {
  settlement?: Settlement;
}

/**
 * Fences receipts across processes. JetStream applies an ack, nak or in-progress by stream
 * sequence: sent on the ack subject of an earlier delivery it still acts on the message while a
 * later delivery of it is being worked on. So each message gets numbered slots in the fence
 * stream, written only while empty (expected last subject sequence 0). Slot n is contested by the
 * receiver of JetStream's delivery n and by whoever settles delivery n - 1 (ack, release, dead
 * letter): the first write wins and the loser is refused. The first delivery needs no slot, as no
 * earlier delivery could settle against it. Extend and nack leave the message where it is, so they
 * only check that the next slot is still empty.
 */
export class DeliveryFences {
  constructor(private readonly topology: NatsTopology) {}

  /** Writes `record` into the slot if it is empty; returns undefined when it did, else what the slot holds. */
  async claim(link: NatsLink, queue: string, messageId: string, slot: number, record: SlotRecord): Promise<SlotRecord | undefined> {
    const subject = this.topology.fenceSubject(queue, messageId, slot);
    try {
      await link.js.publish(subject, JSON.stringify(record), { expect: { lastSubjectSequence: 0 } });
      return undefined;
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE)) throw err;
      const held = await link.jsm.streams.getMessage(this.topology.fenceStream, { last_by_subj: subject });
      return held ? (held.json<SlotRecord>() ?? {}) : {};
    }
  }

  async isEmpty(link: NatsLink, queue: string, messageId: string, slot: number): Promise<boolean> {
    const held = await link.jsm.streams.getMessage(this.topology.fenceStream, { last_by_subj: this.topology.fenceSubject(queue, messageId, slot) });
    return held === null;
  }

  /** Keeps a nack's error for the dead letter, should the message's last delivery lapse later. */
  async recordError(link: NatsLink, queue: string, messageId: string, error: string | null): Promise<void> {
    await link.js.publish(this.topology.fenceSubject(queue, messageId, 'error'), JSON.stringify({ error }));
  }

  async lastError(link: NatsLink, queue: string, messageId: string): Promise<string | null> {
    const held = await link.jsm.streams.getMessage(this.topology.fenceStream, { last_by_subj: this.topology.fenceSubject(queue, messageId, 'error') });
    return held ? held.json<{ error: string | null }>().error : null;
  }
}
