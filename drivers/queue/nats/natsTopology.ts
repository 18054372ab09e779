import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/** Queue and namespace names become subject tokens, stream and consumer names: letters, digits, _ and - only. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Republishes (promotion, release, redrive, burial) carry a message id; the same republish tried
 * again within this window (the next receiver finishing a settlement whose holder died, which
 * comes a visibility timeout later) is dropped as a duplicate.
 */
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/**
 * Fence slots only have to outlive the deliveries they fence: a receipt is used within its lease
 * (30 s by default, renewed while the task runs), so an hour leaves a wide margin.
 */
const FENCE_TTL_MS = 60 * 60_000;

export function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) throw new RangeError(`${kind} ${JSON.stringify(name)} must be 1-64 letters, digits, _ or -`);
}

/**
 * The streams and subjects of one namespace (one installation): live messages (a work queue, one
 * consumer per queue), delayed ones waiting for their time, dead letters, and the fence slots that
 * order deliveries and settlements of a message.
 */
export class NatsTopology {
  readonly liveStream: string;
  readonly delayedStream: string;
  readonly deadStream: string;
  readonly fenceStream: string;
  /** Core NATS subject of the driver's wake-up notices (not stored). */
  readonly noticeSubject: string;

  constructor(readonly namespace: string) {
    checkName('NATS namespace', namespace);
    this.liveStream = `${namespace}_live`;
    this.delayedStream = `${namespace}_delayed`;
    this.deadStream = `${namespace}_dead`;
    this.fenceStream = `${namespace}_fences`;
    this.noticeSubject = `${namespace}.notices`;
  }

  liveSubject(queue: string): string {
    return `${this.namespace}.live.${queue}`;
  }

  delayedSubject(queue: string): string {
    return `${this.namespace}.delayed.${queue}`;
  }

  deadSubject(queue: string): string {
    return `${this.namespace}.dead.${queue}`;
  }

  /** Slot `slot` of a message's fence, or its last nack error. */
  fenceSubject(queue: string, messageId: string, slot: number | 'error'): string {
    return `${this.namespace}.fence.${queue}.${messageId}.${slot}`;
  }

  streamConfigs(): (Partial<StreamConfig> & { name: string })[] {
    // Direct gets (allow_direct) serve the oldest-age and dead-letter reads; fences are read
    // through the stream leader, as a replica's copy could lag behind a claim.
    const durable = { storage: StorageType.File, discard: DiscardPolicy.Old, duplicate_window: nanos(DUPLICATE_WINDOW_MS) };
    const workQueue = { ...durable, retention: RetentionPolicy.Workqueue };
    return [
      { ...workQueue, name: this.liveStream, subjects: [this.liveSubject('*')], allow_direct: true },
      { ...workQueue, name: this.delayedStream, subjects: [this.delayedSubject('*')] },
      { ...durable, name: this.deadStream, subjects: [this.deadSubject('*')], retention: RetentionPolicy.Limits, allow_direct: true },
      { ...durable, name: this.fenceStream, subjects: [`${this.namespace}.fence.>`], retention: RetentionPolicy.Limits, max_age: nanos(FENCE_TTL_MS) },
    ];
  }

  /**
   * The durable pull consumer of a queue on the live or the delayed stream. The driver counts
   * deliveries against each message's own budget, so JetStream never gives up on one
   * (max_deliver -1), and in-flight messages are bounded by the callers' receive sizes, not here.
   */
  consumerConfig(subject: string, queue: string, ackWaitSeconds: number): Partial<ConsumerConfig> {
    return {
      durable_name: queue,
      filter_subject: subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitSeconds * 1000),
      max_deliver: -1,
      max_ack_pending: -1,
    };
  }
}
