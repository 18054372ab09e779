import type { PgPool, SchemaNames } from '../postgres/postgres.js';
import { loadStatements } from '../postgres/sqlStatements.js';
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
} from './queueDriver.js';
import { PgNotices } from './pgNotices.js';
import { PgNoticeSender } from './pgNoticeSender.js';
import { checkDelay, checkExtension, checkReceive, publishSettings } from './queueArguments.js';
import { QueueWakeups, VISIBILITY_SLACK_MS } from './queueWakeups.js';
import { AckBatch, fenceOf, leaseOf, PgAckBuffer, type LeaseAckResult } from './pgAckBuffer.js';

const SQL = loadStatements('state/queue.sql', [
  'publish',
  'publishOne',
  'notify',
  'receive',
  'reclaim',
  'handBack',
  'extendVisibility',
  'redrive',
  'deadLetters',
  'metrics',
  'purge',
  'nextVisibleAt',
  'vacuum',
] as const);

/**
 * Lapsed leases of a queue are ended (their messages go back) by a receive at most this often
 * while receives come back full. Lapses are rare (a consumer died or stalled), so on a busy queue
 * a redelivery waits at most this long past its visibility, for one index probe of queue_leases
 * per second per queue instead of one per receive (a batched receive's whole cost is ~0.7 ms of
 * execution, EXPLAIN ANALYZE at a 20k backlog).
 */
export const RECLAIM_INTERVAL_MS = 1_000;

/**
 * A receive that comes back short ends lapsed leases first only when the last reclaim is older
 * than this. Reclaiming on every empty receive made an idle consumer's cycle (receive, ack, empty
 * receive, next-visible query) five statements instead of four; on the loaded 2 cores (~6 ms a
 * statement) the consumer fell behind a publish every 5–10 ms: wake-up p50 653 ms (load 13), 8.3 ms
 * with this limit (load 12). A consumer that waits learns of a lapse from waitForMessages, which
 * reclaims at once.
 */
export const SHORT_RECEIVE_RECLAIM_MS = 100;

/**
 * Most messages one receive takes: the constant inner LIMIT of the receive statement
 * (sql/state/queue.sql), which keeps its prepared plan generic (0.01 ms of planning against
 * 0.2–0.5 ms re-planned per call). A receive for more takes this many.
 */
export const RECEIVE_MAX = 1000;

/**
 * The driver vacuums its tables itself (VACUUM (SKIP_LOCKED), in the background) after its
 * receives took this many messages. Every message leaves a dead row in queue_messages (and every
 * batch one in queue_leases) that each receive's index scan steps over until a vacuum; autovacuum
 * visits a database once per autovacuum_naptime (1 min by default) at best. Bench steady round
 * (60 s, 4 producers + 4 consumers, 20k backlog, fresh PostgreSQL 17, autovacuum on):
 * - none: its first visit came after the round: 847k dead rows, 127 MB, consume from 24k to 8.7k
 *   msg/s per 10 s window, last/first 0.36 (the baseline in the same run, vacuumed once: 0.72;
 *   load 12-13);
 * - every 50k: 11 MB, 26.8k to 20.4k, 0.76 (load 9-10);
 * - every 20k: 6 MB, 14.6k to 24.7k, 1.70, mean 20k against the baseline's 27k (0.76, 80 MB)
 *   (load 10-15).
 * 20k messages is about a second at those rates; one such VACUUM of the ~20k-row table costs far
 * less than scanning past a minute of dead rows.
 */
export const VACUUM_EVERY_MESSAGES = 20_000;

export interface PgQueueDriverOptions {
  pool: PgPool;
  /** Connection string for the dedicated LISTEN connection. */
  url: string;
  schemas: SchemaNames;
  /** Deliveries before a message is dead-lettered, when publish does not say. */
  defaultMaxAttempts?: number;
}

/** The one row of a receive (sql/state/queue.sql): the folded acks' results and the batch taken. */
interface ReceiveRow {
  acks: LeaseAckResult[] | null;
  lease_id: string | null;
  token: string | null;
  /** [message id, delivery count, payload, enqueued at (epoch milliseconds)], oldest first. */
  messages: [string, number, QueuePayload, number][] | null;
}

/** The queue a flush of acks alone names: none (it takes no message). */
const NO_QUEUE = '';
/** The visibility a flush of acks alone passes: it creates no lease. */
const NO_VISIBILITY = 0;

/**
 * QueueDriver on Postgres: a receive moves its batch out of queue_messages (FOR UPDATE SKIP LOCKED)
 * into one lease row, and settles the acks waiting for it (PgAckBuffer); receipts are fenced by the
 * lease id and its random token; lapsed leases go back (or to the dead-letter table) on the next
 * receive; NOTIFY wake-ups, coalesced per queue, with polling as the fallback.
 */
export class PgQueueDriver implements QueueDriver {
  readonly name = 'pgqueue';
  private readonly pool: PgPool;
  private readonly channel: string;
  private readonly defaultMaxAttempts: number;
  private readonly wakeups: QueueWakeups;
  private readonly notices: PgNoticeSender;
  private readonly lastReclaim = new Map<string, number>();
  private readonly acks = new PgAckBuffer((batch) => this.settleAcks(batch));
  private takenSinceVacuum = 0;
  private vacuuming: Promise<void> | undefined;

  constructor(options: PgQueueDriverOptions) {
    this.pool = options.pool;
    const channel = (this.channel = `${options.schemas.channelPrefix}_queue`);
    this.defaultMaxAttempts = options.defaultMaxAttempts ?? DEFAULT_MAX_DELIVERIES;
    this.wakeups = new QueueWakeups(new PgNotices(options.url, channel));
    this.notices = new PgNoticeSender(this.pool, SQL.notify, channel);
  }

  async publish(queue: string, payload: QueuePayload, options: PublishOptions = {}): Promise<void> {
    await this.publishBatch(queue, [payload], options);
  }

  async publishBatch(queue: string, payloads: readonly QueuePayload[], options: PublishOptions = {}): Promise<void> {
    if (payloads.length === 0) return;
    const { delaySeconds, maxAttempts } = publishSettings(options, this.defaultMaxAttempts);
    const notice = this.notices.dueWith(queue, delaySeconds);
    const [statement, sent] = payloads.length === 1 ? [SQL.publishOne, JSON.stringify(payloads[0])] : [SQL.publish, payloads.map((p) => JSON.stringify(p))];
    await this.pool.query(statement, [queue, sent, delaySeconds, maxAttempts, this.channel, notice ?? null]);
    if (notice === undefined) this.notices.trail(queue);
  }

  async receive(queue: string, max: number, visibilitySeconds: number): Promise<Delivery[]> {
    checkReceive(max, visibilitySeconds);
    const sinceReclaim = Date.now() - (this.lastReclaim.get(queue) ?? 0);
    const reclaimDue = sinceReclaim >= RECLAIM_INTERVAL_MS;
    if (reclaimDue) await this.reclaim(queue);
    const deliveries = await this.take(queue, max, visibilitySeconds, this.acks.take());
    if (deliveries.length < max && !reclaimDue && sinceReclaim >= SHORT_RECEIVE_RECLAIM_MS && (await this.reclaim(queue)) > 0) {
      deliveries.push(...(await this.take(queue, max - deliveries.length, visibilitySeconds, this.acks.take())));
    }
    this.vacuumWhenDue(deliveries.length);
    return deliveries;
  }

  /** One receive statement: settles `acks` and takes up to `max` messages of `queue`. */
  private async take(queue: string, max: number, visibilitySeconds: number, acks: AckBatch): Promise<Delivery[]> {
    const { leaseIds, tokens, messageIds } = acks.parameters;
    let row: ReceiveRow | undefined;
    try {
      row = (await this.pool.query<ReceiveRow>(SQL.receive, [queue, max, visibilitySeconds, leaseIds, tokens, messageIds])).rows[0];
    } catch (err) {
      acks.fail(err);
      throw err;
    }
    acks.settle(row?.acks ?? null);
    if (!row?.messages || row.lease_id === null || row.token === null) return [];
    const fence = fenceOf({ leaseId: row.lease_id, token: row.token });
    return row.messages.map(([messageId, deliveryCount, payload, enqueuedAt]) => ({
      receipt: { queue, messageId, deliveryCount, fence },
      payload,
      enqueuedAt: new Date(enqueuedAt),
    }));
  }

  /** Sends acks no receive took along (PgAckBuffer). */
  private async settleAcks(acks: AckBatch): Promise<void> {
    await this.take(NO_QUEUE, 0, NO_VISIBILITY, acks);
  }

  /**
   * Starts a background vacuum of the queue tables once VACUUM_EVERY_MESSAGES were taken since
   * the last one began, and none runs. A failed vacuum (a restarting server, a driver handed one
   * client inside a transaction) is not an error of the receive: autovacuum remains, and the next
   * VACUUM_EVERY_MESSAGES start another.
   */
  private vacuumWhenDue(taken: number): void {
    this.takenSinceVacuum += taken;
    if (this.takenSinceVacuum < VACUUM_EVERY_MESSAGES || this.vacuuming !== undefined) return;
    this.takenSinceVacuum = 0;
    this.vacuuming = this.pool.query(SQL.vacuum).then(
      () => (this.vacuuming = undefined),
      () => (this.vacuuming = undefined),
    );
  }

  /** Ends the queue's lapsed leases; returns how many messages went back to the queue. */
  private async reclaim(queue: string): Promise<number> {
    this.lastReclaim.set(queue, Date.now());
    const { rows } = await this.pool.query<{ requeued: number }>(SQL.reclaim, [queue]);
    return rows[0]?.requeued ?? 0;
  }

  async ack(receipt: Receipt): Promise<void> {
    const refused = await this.ackBatch([receipt]);
    if (refused.length > 0) throw new ReceiptRefusedError(receipt, 'ack');
  }

  /** Folded into the next receive, or sent alone right after this event-loop turn (PgAckBuffer). */
  async ackBatch(receipts: readonly Receipt[]): Promise<Receipt[]> {
    if (receipts.length === 0) return [];
    return this.acks.add(receipts);
  }

  async nack(receipt: Receipt, delaySeconds: number, error?: string): Promise<{ deadLettered: boolean }> {
    checkDelay(delaySeconds);
    const deadLettered = await this.handBack(receipt, delaySeconds, error ?? null, true);
    if (deadLettered === undefined) throw new ReceiptRefusedError(receipt, 'nack');
    return { deadLettered };
  }

  async release(receipt: Receipt, delaySeconds: number): Promise<void> {
    checkDelay(delaySeconds);
    if ((await this.handBack(receipt, delaySeconds, null, false)) === undefined) throw new ReceiptRefusedError(receipt, 'release');
  }

  /** Returns whether the message was dead-lettered, or undefined when the receipt is not current. */
  private async handBack(receipt: Receipt, delaySeconds: number, error: string | null, spend: boolean): Promise<boolean | undefined> {
    const lease = leaseOf(receipt.fence);
    if (lease === undefined) return undefined;
    const { rows } = await this.pool.query<{ dead_lettered: boolean }>(SQL.handBack, [
      lease.leaseId,
      receipt.messageId,
      delaySeconds,
      error,
      spend,
      lease.token,
    ]);
    const deadLettered = rows[0]?.dead_lettered;
    if (deadLettered === false) this.notices.announce(receipt.queue, delaySeconds);
    return deadLettered;
  }

  async extendVisibility(receipt: Receipt, seconds: number): Promise<void> {
    checkExtension(seconds);
    const lease = leaseOf(receipt.fence);
    const rowCount =
      lease === undefined ? 0 : (await this.pool.query(SQL.extendVisibility, [lease.leaseId, receipt.messageId, seconds, lease.token])).rowCount;
    if (!rowCount) throw new ReceiptRefusedError(receipt, 'extendVisibility');
  }

  /**
   * Waits for a NOTIFY, or until the next hidden message of the queue becomes visible (a delayed
   * publish before this consumer listened, or a delivery whose consumer died), or `maxWaitMs`.
   */
  async waitForMessages(queue: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    await this.wakeups.listen();
    const { rows } = await this.pool.query<{ next_visible_at: Date | null; lapsed: boolean }>(SQL.nextVisibleAt, [queue]);
    if (rows[0]?.lapsed) {
      await this.reclaim(queue);
      return;
    }
    const next = rows[0]?.next_visible_at;
    const untilVisible = next ? next.getTime() - Date.now() : Number.POSITIVE_INFINITY;
    if (untilVisible <= 0) return;
    await this.wakeups.wait(queue, Math.min(maxWaitMs, untilVisible + VISIBILITY_SLACK_MS), signal);
  }

  async redrive(queue: string, messageIds?: readonly string[]): Promise<number> {
    const { rows } = await this.pool.query<{ redriven: number }>(SQL.redrive, [queue, messageIds ?? null]);
    const redriven = rows[0]?.redriven ?? 0;
    if (redriven > 0) this.notices.announce(queue, 0);
    return redriven;
  }

  async deadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    const { rows } = await this.pool.query<{
      message_id: string;
      queue: string;
      payload: QueuePayload;
      delivery_count: number;
      last_error: string | null;
      died_at: Date;
    }>(SQL.deadLetters, [queue, limit]);
    return rows.map((r) => ({
      messageId: r.message_id,
      queue: r.queue,
      payload: r.payload,
      deliveryCount: r.delivery_count,
      lastError: r.last_error,
      diedAt: r.died_at,
    }));
  }

  async metrics(queue?: string): Promise<QueueMetrics> {
    const { rows } = await this.pool.query<{ depth: number; visible: number; oldest_age_seconds: number; dead: number }>(
      SQL.metrics,
      [queue ?? null],
    );
    const r = rows[0];
    if (!r) throw new Error('queue metrics returned no row');
    return {
      depth: r.depth,
      visible: r.visible,
      inFlight: r.depth - r.visible,
      oldestAgeSeconds: r.oldest_age_seconds,
      dead: r.dead,
    };
  }

  async purge(queue: string): Promise<number> {
    const { rows } = await this.pool.query<{ purged: number }>(SQL.purge, [queue]);
    return rows[0]?.purged ?? 0;
  }

  async close(): Promise<void> {
    await this.acks.drain();
    await this.vacuuming;
    await this.notices.close();
    await this.wakeups.close();
  }
}
