import type { DeadLetter, QueuePayload } from '../queueDriver.js';
import { decodePayload, encodePayload, type Envelope } from './messageEnvelope.js';
import type { NatsLink } from './natsLink.js';
import type { NatsTopology } from './natsTopology.js';
import type { QueueMessages } from './queueMessages.js';

/** A dead letter as stored: the message and why it died, in the body (errors may hold any character, headers may not). */
interface DeadRecord {
  messageId: string;
  payload: QueuePayload;
  deliveryCount: number;
  lastError: string | null;
  maxAttempts: number;
  enqueuedAt: number;
}

interface StoredDeadLetter {
  seq: number;
  record: DeadRecord;
  diedAt: Date;
}

/**
 * The dead-letter stream: a message whose delivery budget is spent is stored here (one subject per
 * queue) and acked from the live stream. Redrive republishes it with a fresh budget under a new id
 * and deletes the dead letter.
 */
export class DeadLetterStream {
  constructor(
    private readonly topology: NatsTopology,
    private readonly messages: QueueMessages,
  ) {}

  /** Stores a dead letter; its id makes a second burial of the same message a no-op. */
  async bury(link: NatsLink, queue: string, messageId: string, envelope: Envelope, deliveryCount: number, lastError: string | null): Promise<void> {
    const record: DeadRecord = { messageId, payload: decodePayload(envelope.data), deliveryCount, lastError, maxAttempts: envelope.maxAttempts, enqueuedAt: envelope.enqueuedAt };
    await link.js.publish(this.topology.deadSubject(queue), JSON.stringify(record), { msgID: `dead:${messageId}` });
  }

  async list(link: NatsLink, queue: string, limit: number): Promise<DeadLetter[]> {
    const stored = await this.read(link, queue, limit);
    return stored.map(({ record, diedAt }) => ({
      messageId: record.messageId,
      queue,
      payload: record.payload,
      deliveryCount: record.deliveryCount,
      lastError: record.lastError,
      diedAt,
    }));
  }

  async count(link: NatsLink, queue: string): Promise<number> {
    const subject = this.topology.deadSubject(queue);
    const info = await link.jsm.streams.info(this.topology.deadStream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  /** Moves dead letters (all of the queue's, or those with the given ids) back with a fresh budget; returns how many. */
  async redrive(link: NatsLink, queue: string, messageIds?: readonly string[]): Promise<number> {
    const wanted = messageIds ? new Set(messageIds) : undefined;
    const chosen = (await this.read(link, queue, Number.POSITIVE_INFINITY)).filter(({ record }) => !wanted || wanted.has(record.messageId));
    for (const { seq, record } of chosen) {
      const envelope: Envelope = { data: encodePayload(record.payload), maxAttempts: record.maxAttempts, enqueuedAt: record.enqueuedAt, spent: 0 };
      await this.messages.publish(link, queue, [envelope], 0, [`redrive:${seq}`]);
      await link.jsm.streams.deleteMessage(this.topology.deadStream, seq, false);
    }
    return chosen.length;
  }

  /** The queue's dead letters, oldest first, `limit` at most (one direct get each). */
  private async read(link: NatsLink, queue: string, limit: number): Promise<StoredDeadLetter[]> {
    const subject = this.topology.deadSubject(queue);
    const out: StoredDeadLetter[] = [];
    let seq = 1;
    while (out.length < limit) {
      const msg = await link.jsm.direct.getMessage(this.topology.deadStream, { next_by_subj: subject, seq });
      if (!msg) break;
      out.push({ seq: msg.seq, record: msg.json<DeadRecord>(), diedAt: msg.time });
      seq = msg.seq + 1;
    }
    return out;
  }
}
