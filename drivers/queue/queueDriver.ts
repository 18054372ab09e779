/**
 * The queue seen by the core: a wake-up channel, never the source of truth. Messages are small
 * JSON pointers (task id, delivery id, buffer batch id); they may be lost, duplicated, delayed or
 * reordered, and the system stays correct because Postgres state decides what runs.
 */
export type QueuePayload = Record<string, unknown>;

/**
 * Proof of one delivery. Fenced: once a message's visibility lapsed and it was delivered again, or
 * it was released, nacked or redriven, the older receipt can no longer ack, nack or extend it.
 */
export interface Receipt {
  queue: string;
  messageId: string;
  deliveryCount: number;
  /** The driver's fence for this delivery when the delivery count alone is not it (pgqueue: the lease id and its random token). */
  fence?: string;
}

export interface Delivery {
  receipt: Receipt;
  payload: QueuePayload;
  /** Time the message was first published. */
  enqueuedAt: Date;
}

/** Deliveries before a message is dead-lettered when neither publish nor the driver's options say. */
export const DEFAULT_MAX_DELIVERIES = 5;

export interface PublishOptions {
  delaySeconds?: number;
  /** Deliveries before the message is dead-lettered; the driver's default when omitted. */
  maxAttempts?: number;
}

export interface DeadLetter {
  messageId: string;
  queue: string;
  payload: QueuePayload;
  deliveryCount: number;
  lastError: string | null;
  diedAt: Date;
}

export interface QueueMetrics {
  /** Messages in the live queue, visible or in flight (delayed ones included). */
  depth: number;
  visible: number;
  inFlight: number;
  /** Age of the oldest visible message in seconds, 0 when none is waiting. */
  oldestAgeSeconds: number;
  dead: number;
}

/** Raised when a receipt is refused: its delivery lapsed and the message went to another consumer, was acked, or died. */
export class ReceiptRefusedError extends Error {
  override name = 'ReceiptRefusedError';
  constructor(
    readonly receipt: Receipt,
    operation: string,
  ) {
    super(
      `${operation} refused for message ${receipt.messageId} on queue ${receipt.queue}: delivery ${receipt.deliveryCount} is no longer current`,
    );
  }
}

export interface QueueDriver {
  readonly name: string;
  publish(queue: string, payload: QueuePayload, options?: PublishOptions): Promise<void>;
  publishBatch(queue: string, payloads: readonly QueuePayload[], options?: PublishOptions): Promise<void>;
  /** Takes up to `max` visible messages and hides them for `visibilitySeconds`. */
  receive(queue: string, max: number, visibilitySeconds: number): Promise<Delivery[]>;
  /** Removes a delivered message; throws ReceiptRefusedError for a stale receipt. */
  ack(receipt: Receipt): Promise<void>;
  /** Acks many; returns the receipts that were refused. */
  ackBatch(receipts: readonly Receipt[]): Promise<Receipt[]>;
  /**
   * Returns a message to the queue after `delaySeconds`; on its last allowed delivery it goes to
   * the dead-letter table with `error` instead (and says so). Throws ReceiptRefusedError for a
   * stale receipt.
   */
  nack(receipt: Receipt, delaySeconds: number, error?: string): Promise<{ deadLettered: boolean }>;
  /**
   * Hands a delivery back without spending its delivery budget (a consumer stopping, a store that
   * is down): the message is visible again after `delaySeconds`, and the receipt is refused from
   * now on. Throws ReceiptRefusedError for a stale receipt.
   */
  release(receipt: Receipt, delaySeconds: number): Promise<void>;
  /** Keeps a delivery hidden for `seconds` more from now; throws ReceiptRefusedError for a stale receipt. */
  extendVisibility(receipt: Receipt, seconds: number): Promise<void>;
  /** Resolves when the queue may have visible messages, or after `maxWaitMs`, or on abort. */
  waitForMessages(queue: string, maxWaitMs: number, signal?: AbortSignal): Promise<void>;
  /** Moves dead letters back into the live queue with a fresh delivery budget; returns how many. */
  redrive(queue: string, messageIds?: readonly string[]): Promise<number>;
  deadLetters(queue: string, limit?: number): Promise<DeadLetter[]>;
  metrics(queue?: string): Promise<QueueMetrics>;
  /** Deletes every live message of a queue (operators use it to recover; tests use it to simulate a lost queue). */
  purge(queue: string): Promise<number>;
  close(): Promise<void>;
}
