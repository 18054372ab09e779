import {
  DEFAULT_MAX_DELIVERIES,
  ReceiptRefusedError,
  type DeadLetter,
  type Delivery,
  type PublishOptions,
  type QueueDriver,
  type QueueMetrics,
  type QueuePayload,
  type Receipt,
} from '../queueDriver.js';
import { failpoint } from '../../../runtime/failpoints.js';
import { checkDelay, checkExtension, checkReceive, publishSettings } from '../queueArguments.js';
import { QueueWakeups } from '../queueWakeups.js';
import { DeadLetterStream } from './deadLetterStream.js';
import { DelayedMessages } from './delayedMessages.js';
import { DeliveryFences, type Settlement } from './deliveryFences.js';
import { acknowledge, answer, IN_PROGRESS, nak, pullNow, type JetStreamDelivery } from './jetStreamPull.js';
import { decodePayload, encodePayload, readEnvelope, type Envelope } from './messageEnvelope.js';
import { LazyNatsLink, type NatsLink } from './natsLink.js';
import { NatsNotices } from './natsNotices.js';
import { NatsQueueMetrics } from './natsQueueMetrics.js';
import { NatsResources } from './natsResources.js';
import { NatsTopology } from './natsTopology.js';
import { QueueMessages } from './queueMessages.js';

export interface NatsQueueDriverOptions {
  url: string;
  /** Prefix of every stream and subject: one installation's queues. */
  namespace: string;
  /** The node's visibility, which becomes the consumers' ack wait: receives and extensions for this long use JetStream's own timer. */
  visibilitySeconds: number;
  /** Deliveries before a message is dead-lettered, when publish does not say. */
  defaultMaxAttempts?: number;
}

/** A delivery this driver handed out and can still answer: a receipt acts through the driver that received it. */
interface Held {
  receipt: Receipt;
  delivery: JetStreamDelivery;
  envelope: Envelope;
}

/**
 * How long an idle consumer sleeps at most while deliveries of its queue are in flight elsewhere:
 * a redelivery after a consumer died waits at most this long past its visibility, for one
 * consumer-info request a second per idle consumer.
 */
export const IN_FLIGHT_RECHECK_MS = 1_000;

const LAPSED_ON_LAST_DELIVERY = 'visibility timed out on the last allowed delivery';

const heldKey = (receipt: Receipt): string => `${receipt.queue}/${receipt.messageId}`;

/**
 * QueueDriver on NATS JetStream. Each queue is a subject of a work-queue stream with one durable
 * pull consumer; its ack wait is the visibility, in-progress extends it, a nak with delay returns
 * the message later. What JetStream lacks is built on top, each part in its own module: delays
 * (DelayedMessages), per-message delivery budgets and hand-backs that spend none (headers, and a
 * republish under a new id), dead letters (DeadLetterStream), and receipts fenced across processes
 * (DeliveryFences). Message ids are live-stream sequence numbers.
 */
export class NatsQueueDriver implements QueueDriver {
  readonly name = 'nats';
  private readonly link: LazyNatsLink;
  private readonly topology: NatsTopology;
  private readonly resources: NatsResources;
  private readonly notices: NatsNotices;
  private readonly wakeups: QueueWakeups;
  private readonly messages: QueueMessages;
  private readonly delayed: DelayedMessages;
  private readonly fences: DeliveryFences;
  private readonly deadLetterStream: DeadLetterStream;
  private readonly queueMetrics: NatsQueueMetrics;
  private readonly held = new Map<string, Held>();
  private readonly ackWaitSeconds: number;
  private readonly defaultMaxAttempts: number;

  constructor(options: NatsQueueDriverOptions) {
    this.link = new LazyNatsLink(options.url);
    this.topology = new NatsTopology(options.namespace);
    this.ackWaitSeconds = options.visibilitySeconds;
    this.defaultMaxAttempts = options.defaultMaxAttempts ?? DEFAULT_MAX_DELIVERIES;
    this.resources = new NatsResources(this.link, this.topology, this.ackWaitSeconds);
    this.notices = new NatsNotices(this.link, this.topology.noticeSubject);
    this.wakeups = new QueueWakeups(this.notices);
    this.messages = new QueueMessages(this.topology, this.notices);
    this.delayed = new DelayedMessages(this.topology, this.messages, this.notices);
    this.fences = new DeliveryFences(this.topology);
    this.deadLetterStream = new DeadLetterStream(this.topology, this.messages);
    this.queueMetrics = new NatsQueueMetrics(this.topology, this.deadLetterStream);
  }

  async publish(queue: string, payload: QueuePayload, options: PublishOptions = {}): Promise<void> {
    await this.publishBatch(queue, [payload], options);
  }

  async publishBatch(queue: string, payloads: readonly QueuePayload[], options: PublishOptions = {}): Promise<void> {
    if (payloads.length === 0) return;
    const { delaySeconds, maxAttempts } = publishSettings(options, this.defaultMaxAttempts);
    const link = await this.resources.forQueue(queue);
    const enqueuedAt = Date.now();
    const envelopes = payloads.map((payload): Envelope => ({ data: encodePayload(payload), maxAttempts, enqueuedAt, spent: 0 }));
    await this.messages.publish(link, queue, envelopes, delaySeconds);
  }

  async receive(queue: string, max: number, visibilitySeconds: number): Promise<Delivery[]> {
    checkReceive(max, visibilitySeconds);
    const link = await this.resources.forQueue(queue);
    try {
      await this.delayed.promoteDue(link, queue);
      const pulled = await pullNow(link.nc, this.topology.liveStream, queue, max);
      const admitted = await Promise.all(pulled.map((delivery) => this.admit(link, queue, delivery, visibilitySeconds)));
      const deliveries = admitted.filter((d): d is Delivery => d !== undefined);
      if (deliveries.length < pulled.length) await link.nc.flush(); // acks of what was settled instead
      return deliveries;
    } catch (err) {
      this.resources.forget(queue);
      throw err;
    }
  }

  /** Makes a JetStream delivery a queue delivery, or finishes what the fence says happened to the message instead. */
  private async admit(link: NatsLink, queue: string, delivery: JetStreamDelivery, visibilitySeconds: number): Promise<Delivery | undefined> {
    const messageId = String(delivery.streamSeq);
    const envelope = readEnvelope(delivery.headers, delivery.data, delivery.storedAt);
    const held: Held = { receipt: { queue, messageId, deliveryCount: envelope.spent + delivery.deliveryCount }, delivery, envelope };
    if (delivery.deliveryCount > 1) {
      const standing = await this.fences.claim(link, queue, messageId, delivery.deliveryCount, {});
      // The previous delivery was settled first (its holder may have died before carrying it out).
      if (standing?.settlement) await this.carryOut(link, held, standing.settlement);
      if (standing) return undefined;
    }
    if (held.receipt.deliveryCount > envelope.maxAttempts) {
      // Its last allowed delivery lapsed: dead-lettered instead of delivered again, as pgqueue does.
      const error = (await this.fences.lastError(link, queue, messageId)) ?? LAPSED_ON_LAST_DELIVERY;
      await this.settle(link, held, { kind: 'dead', error, deliveryCount: held.receipt.deliveryCount - 1 }, 'receive').catch((err: unknown) => {
        if (!(err instanceof ReceiptRefusedError)) throw err;
      });
      return undefined;
    }
    if (visibilitySeconds !== this.ackWaitSeconds) await answer(link.nc, delivery, nak(visibilitySeconds));
    this.held.set(heldKey(held.receipt), held);
    return { receipt: held.receipt, payload: decodePayload(delivery.data), enqueuedAt: new Date(envelope.enqueuedAt) };
  }

  async ack(receipt: Receipt): Promise<void> {
    const refused = await this.ackBatch([receipt]);
    if (refused.length > 0) throw new ReceiptRefusedError(receipt, 'ack');
  }

  /** Each ack claims its fence slot (all at once), then one flush sends every ack. */
  async ackBatch(receipts: readonly Receipt[]): Promise<Receipt[]> {
    const link = await this.link.get();
    const refused = await Promise.all(
      receipts.map(async (receipt) => {
        try {
          await this.settle(link, this.holding(receipt, 'ack'), { kind: 'ack' }, 'ack');
          return undefined;
        } catch (err) {
          if (err instanceof ReceiptRefusedError) return receipt;
          throw err;
        }
      }),
    );
    await link.nc.flush();
    return refused.filter((r): r is Receipt => r !== undefined);
  }

  async nack(receipt: Receipt, delaySeconds: number, error?: string): Promise<{ deadLettered: boolean }> {
    checkDelay(delaySeconds);
    const held = this.holding(receipt, 'nack');
    const link = await this.link.get();
    if (receipt.deliveryCount >= held.envelope.maxAttempts) {
      await this.settle(link, held, { kind: 'dead', error: error ?? null, deliveryCount: receipt.deliveryCount }, 'nack');
      await link.nc.flush();
      return { deadLettered: true };
    }
    await this.checkCurrent(link, held, 'nack');
    await Promise.all([
      this.fences.recordError(link, receipt.queue, receipt.messageId, error ?? null),
      answer(link.nc, held.delivery, nak(delaySeconds)),
    ]);
    this.dropHeld(held);
    this.notices.announce(link, receipt.queue, Date.now() + delaySeconds * 1000);
    return { deadLettered: false };
  }

  /** A hand-back is a republish under a new id that carries the deliveries spent so far, this one not counted. */
  async release(receipt: Receipt, delaySeconds: number): Promise<void> {
    checkDelay(delaySeconds);
    const held = this.holding(receipt, 'release');
    const link = await this.link.get();
    await this.settle(link, held, { kind: 'release', delaySeconds, spent: receipt.deliveryCount - 1 }, 'release');
    await link.nc.flush();
  }

  /** In progress when the extension is the ack wait itself, else a nak with the extension as its delay (the delivery stays pending). */
  async extendVisibility(receipt: Receipt, seconds: number): Promise<void> {
    checkExtension(seconds);
    const held = this.holding(receipt, 'extendVisibility');
    const link = await this.link.get();
    await this.checkCurrent(link, held, 'extendVisibility');
    await answer(link.nc, held.delivery, seconds === this.ackWaitSeconds ? IN_PROGRESS : nak(seconds));
  }

  /**
   * Waits for a notice, or the time a delayed message of the queue is due (looking at the delayed
   * stream announces it), or `maxWaitMs`. A delivery whose consumer died is found by polling.
   */
  async waitForMessages(queue: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    const link = await this.resources.forQueue(queue);
    await this.wakeups.listen();
    await this.delayed.promoteDue(link, queue);
    const live = await link.jsm.consumers.info(this.topology.liveStream, queue);
    if (live.num_pending > 0) return;
    // A delivery in flight elsewhere sends no notice when its visibility lapses, and JetStream does
    // not say when that is: with some in flight, look again after IN_FLIGHT_RECHECK_MS.
    const wait = live.num_ack_pending > 0 ? Math.min(maxWaitMs, IN_FLIGHT_RECHECK_MS) : maxWaitMs;
    await this.wakeups.wait(queue, wait, signal);
  }

  async redrive(queue: string, messageIds?: readonly string[]): Promise<number> {
    return this.deadLetterStream.redrive(await this.resources.forQueue(queue), queue, messageIds);
  }

  async deadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    return this.deadLetterStream.list(await this.resources.forQueue(queue), queue, limit);
  }

  async metrics(queue?: string): Promise<QueueMetrics> {
    if (queue === undefined) return this.queueMetrics.ofAll(await this.resources.forNamespace());
    return this.queueMetrics.ofQueue(await this.resources.forQueue(queue), queue);
  }

  async purge(queue: string): Promise<number> {
    const link = await this.resources.forQueue(queue);
    const [live, delayed] = await Promise.all([
      link.jsm.streams.purge(this.topology.liveStream, { filter: this.topology.liveSubject(queue) }),
      link.jsm.streams.purge(this.topology.delayedStream, { filter: this.topology.delayedSubject(queue) }),
    ]);
    for (const held of [...this.held.values()]) if (held.receipt.queue === queue) this.dropHeld(held);
    return live.purged + delayed.purged;
  }

  async close(): Promise<void> {
    await this.wakeups.close();
    await this.link.close();
  }

  /** The held delivery a receipt names; refused unless it is the latest delivery of the message this driver handed out. */
  private holding(receipt: Receipt, operation: string): Held {
    const held = this.held.get(heldKey(receipt));
    if (!held || held.receipt.deliveryCount !== receipt.deliveryCount) throw new ReceiptRefusedError(receipt, operation);
    return held;
  }

  private dropHeld(held: Held): void {
    if (this.held.get(heldKey(held.receipt)) === held) this.held.delete(heldKey(held.receipt));
  }

  /** Refuses a delivery that a later one replaced (another receiver claimed the next fence slot). */
  private async checkCurrent(link: NatsLink, held: Held, operation: string): Promise<void> {
    const { queue, messageId } = held.receipt;
    if (await this.fences.isEmpty(link, queue, messageId, held.delivery.deliveryCount + 1)) return;
    this.dropHeld(held);
    throw new ReceiptRefusedError(held.receipt, operation);
  }

  /** Claims the fence slot after the held delivery for `settlement`, then carries it out; refused when the slot is taken. */
  private async settle(link: NatsLink, held: Held, settlement: Settlement, operation: string): Promise<void> {
    const { queue, messageId } = held.receipt;
    const standing = await this.fences.claim(link, queue, messageId, held.delivery.deliveryCount + 1, { settlement });
    this.dropHeld(held);
    if (standing) throw new ReceiptRefusedError(held.receipt, operation);
    await failpoint('natsQueue.afterSettlementClaimed', { queue, messageId, kind: settlement.kind });
    await this.carryOut(link, held, settlement);
  }

  /**
   * Does what a settlement says; safe to repeat (republish and burial carry ids), so a receiver can
   * finish one whose holder died. The ack is sent, not awaited: the caller flushes.
   */
  private async carryOut(link: NatsLink, { receipt, delivery, envelope }: Held, settlement: Settlement): Promise<void> {
    const { queue, messageId } = receipt;
    if (settlement.kind === 'release') {
      await this.messages.publish(link, queue, [{ ...envelope, spent: settlement.spent }], settlement.delaySeconds, [`release:${messageId}`]);
    } else if (settlement.kind === 'dead') {
      await this.deadLetterStream.bury(link, queue, messageId, envelope, settlement.deliveryCount, settlement.error);
    }
    acknowledge(link.nc, delivery);
  }
}
