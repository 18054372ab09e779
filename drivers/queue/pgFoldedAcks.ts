import type { Receipt } from './queueDriver.js';

/**
 * How long an ack waits for a receive to ride on before it is sent alone. Folding a consumer's ack
 * into the next receive (its own or another consumer's) saves a statement per batch: consume at
 * 4 consumers x 100 per receive went from <before> to <after> msg/s (bench/queue); 2 ms is under a
 * tenth of the 20 ms a worker's heartbeat has to spare and about one receive of a busy consumer.
 */
export const ACK_FLUSH_MS = 2;

/** The acks one statement carries, and how to answer their callers once it ran. */
export interface AckBatch {
  leaseIds: string[];
  messageIds: string[];
  /** Resolves each caller with its refused receipts, given the `lease/message` keys the statement settled. */
  settle(settled: ReadonlySet<string>): void;
  fail(err: unknown): void;
}

export const ackKey = (leaseId: string | undefined, messageId: string): string => `${leaseId}/${messageId}`;

interface Waiting {
  receipts: readonly Receipt[];
  resolve: (refused: Receipt[]) => void;
  reject: (err: unknown) => void;
}

/**
 * pgqueue's acks waiting to be sent: the next receive takes them all (take()), or after
 * ACK_FLUSH_MS they are sent alone. A caller's promise resolves once its acks committed, so an ack
 * still returns only when it is durable, and refused receipts are still reported to it.
 */
export class FoldedAcks {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sendAlone: (batch: AckBatch) => Promise<void>) {}

  /** Queues receipts that carry a fence; resolves with those refused. */
  add(receipts: readonly Receipt[]): Promise<Receipt[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ receipts, resolve, reject });
      this.timer ??= setTimeout(() => void this.flush(), ACK_FLUSH_MS);
    });
  }

  /** Hands every waiting ack to the caller's statement (empty arrays when none wait). */
  take(): AckBatch {
    const waiting = this.waiting;
    this.waiting = [];
    clearTimeout(this.timer);
    this.timer = undefined;
    const all = waiting.flatMap((w) => w.receipts);
    return {
      leaseIds: all.map((r) => r.fence ?? ''),
      messageIds: all.map((r) => r.messageId),
      settle: (settled) => {
        for (const w of waiting) w.resolve(w.receipts.filter((r) => !settled.has(ackKey(r.fence, r.messageId))));
      },
      fail: (err) => {
        for (const w of waiting) w.reject(err);
      },
    };
  }

  /** Sends the waiting acks now, alone; resolves when they are answered. */
  async flush(): Promise<void> {
    if (this.waiting.length === 0) return;
    await this.sendAlone(this.take()).catch(() => undefined);
  }
}
