/**
 * pgqueue's acks, folded into the next receive (sql/state/queue.sql, receive). The acks of one
 * event-loop turn wait in this buffer; a receive issued in that turn takes them along, and the
 * ones no receive took are sent alone right after the turn (setImmediate), so an awaited ack waits
 * for no timer. Each ack resolves with its refused receipts once the statement that carried it
 * committed, and rejects when that statement failed.
 */
import type { Receipt } from './queueDriver.js';

/** The lease a receipt names: its id and its random token (sql/migrations/0025_queue_lease_tokens.sql). */
export interface LeaseFence {
  leaseId: string;
  token: string;
}

/** A lease id or message id as pgqueue hands it out (a bigint in decimal). */
const BIGINT_ID = /^\d+$/;

/** Between the lease id and the lease token in a receipt's fence. */
const FENCE_SEPARATOR = ':';

export function fenceOf(lease: LeaseFence): string {
  return `${lease.leaseId}${FENCE_SEPARATOR}${lease.token}`;
}

/** The lease a fence names, or undefined for one without both parts (another driver's, or taken before 0025). */
export function leaseOf(fence: string | undefined): LeaseFence | undefined {
  const [leaseId, token, ...rest] = fence?.split(FENCE_SEPARATOR) ?? [];
  if (!leaseId || !token || rest.length > 0 || !BIGINT_ID.test(leaseId) || !/^[0-9a-f-]{36}$/.test(token)) return undefined;
  return { leaseId, token };
}

/** The statement parameters of a set of acks: one element per lease ($4, $5, $6 of receive). */
export interface AckParameters {
  leaseIds: string[];
  tokens: string[];
  /** Each lease's acked message ids as a Postgres array literal (`{1,2,3}`). */
  messageIds: string[];
}

/** One lease's result from the statement: its position in the parameters and the acked ids that were not pending. */
export type LeaseAckResult = [position: number, refusedIds: string[]];

interface WaitingAck {
  receipts: readonly Receipt[];
  resolve(refused: Receipt[]): void;
  reject(err: unknown): void;
}

/** Acks taken out of the buffer to go with one statement: its parameters, and how to settle them. */
export class AckBatch {
  readonly parameters: AckParameters = { leaseIds: [], tokens: [], messageIds: [] };
  /** Fence → position in the parameters and the message ids acked under it. */
  private readonly leases = new Map<string, { position: number; ids: Set<string> }>();

  constructor(private readonly waiting: readonly WaitingAck[]) {
    for (const ack of waiting) {
      for (const receipt of ack.receipts) {
        const fence = receipt.fence;
        // A message id is written into an array literal: anything but digits names no message.
        if (fence === undefined || !BIGINT_ID.test(receipt.messageId)) continue;
        let lease = this.leases.get(fence);
        if (lease === undefined) {
          const parsed = leaseOf(fence);
          if (parsed === undefined) continue;
          lease = { position: this.leases.size + 1, ids: new Set() };
          this.leases.set(fence, lease);
          this.parameters.leaseIds.push(parsed.leaseId);
          this.parameters.tokens.push(parsed.token);
        }
        lease.ids.add(receipt.messageId);
      }
    }
    for (const { ids } of this.leases.values()) this.parameters.messageIds.push(`{${[...ids].join(',')}}`);
  }

  get empty(): boolean {
    return this.waiting.length === 0;
  }

  /**
   * Resolves every ack with its refused receipts: those sent under no lease (no valid fence or
   * message id), under a lease not found, or not pending in it.
   */
  settle(results: readonly LeaseAckResult[] | null): void {
    const refusedByPosition = new Map<number, Set<string>>();
    for (const [position, refused] of results ?? []) refusedByPosition.set(position, new Set(refused));
    const settled = (r: Receipt): boolean => {
      const lease = r.fence === undefined ? undefined : this.leases.get(r.fence);
      const refused = lease?.ids.has(r.messageId) ? refusedByPosition.get(lease.position) : undefined;
      return refused !== undefined && !refused.has(r.messageId);
    };
    for (const ack of this.waiting) ack.resolve(ack.receipts.filter((r) => !settled(r)));
  }

  fail(err: unknown): void {
    for (const ack of this.waiting) ack.reject(err);
  }
}

export class PgAckBuffer {
  private waiting: WaitingAck[] = [];
  private flushScheduled = false;
  private readonly flushing = new Set<Promise<void>>();

  /** @param send runs one statement carrying `batch` (a receive of nothing), settles or fails it. */
  constructor(private readonly send: (batch: AckBatch) => Promise<void>) {}

  /** Queues acks for the next statement; resolves with the refused receipts once it committed. */
  add(receipts: readonly Receipt[]): Promise<Receipt[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ receipts, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    });
  }

  /** Takes every waiting ack, for a statement about to be sent. */
  take(): AckBatch {
    const batch = new AckBatch(this.waiting);
    this.waiting = [];
    return batch;
  }

  /** Sends the waiting acks alone; `send` settles or fails them. */
  private flush(): void {
    const batch = this.take();
    if (batch.empty) return;
    const sent = this.send(batch).catch(() => undefined);
    this.flushing.add(sent);
    void sent.finally(() => this.flushing.delete(sent));
  }

  /** Sends what waits and resolves once every ack sent alone was settled (a closing driver). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all(this.flushing);
  }
}
