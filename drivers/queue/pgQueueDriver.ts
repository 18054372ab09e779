import pg from 'pg';
import { connectionName, type PgPool, type SchemaNames } from '../postgres/postgres.js';
import { loadStatements } from '../postgres/sqlStatements.js';
import {
  ReceiptRefusedError,
  type DeadLetter,
  type Delivery,
  type PublishOptions,
  type QueueDriver,
  type QueueMetrics,
  type QueuePayload,
  type Receipt,
} from './queueDriver.js';
import { QueueWakeups, VISIBILITY_SLACK_MS } from './queueWakeups.js';

const SQL = loadStatements('state/queue.sql', [
  'publish',
  'receive',
  'ack',
  'nack',
  'release',
  'extendVisibility',
  'redrive',
  'deadLetters',
  'metrics',
  'purge',
  'nextVisibleAt',
] as const);

export interface PgQueueDriverOptions {
  pool: PgPool;
  /** Connection string for the dedicated LISTEN connection. */
  url: string;
  schemas: SchemaNames;
  /** Deliveries before a message is dead-lettered, when publish does not say. */
  defaultMaxAttempts?: number;
}

interface ReceivedRow {
  message_id: string;
  delivery_count: number;
  payload: QueuePayload;
  enqueued_at: Date;
}

/**
 * QueueDriver on Postgres: FOR UPDATE SKIP LOCKED receives, visibility timestamps, receipts fenced
 * by delivery count, a dead-letter table, and LISTEN/NOTIFY wake-ups with polling as the fallback.
 */
export class PgQueueDriver implements QueueDriver {
  readonly name = 'pgqueue';
  private readonly pool: PgPool;
  private readonly channel: string;
  private readonly defaultMaxAttempts: number;
  private readonly wakeups: QueueWakeups;

  constructor(options: PgQueueDriverOptions) {
    this.pool = options.pool;
    this.channel = `${options.schemas.channelPrefix}_queue`;
    this.defaultMaxAttempts = options.defaultMaxAttempts ?? 5;
    this.wakeups = new QueueWakeups(() => new pg.Client({ connectionString: options.url, application_name: connectionName('wake-ups') }), this.channel);
  }

  async publish(queue: string, payload: QueuePayload, options: PublishOptions = {}): Promise<void> {
    await this.publishBatch(queue, [payload], options);
  }

  async publishBatch(queue: string, payloads: readonly QueuePayload[], options: PublishOptions = {}): Promise<void> {
    if (payloads.length === 0) return;
    const delay = options.delaySeconds ?? 0;
    checkDelay(delay);
    const maxAttempts = options.maxAttempts ?? this.defaultMaxAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    await this.pool.query(SQL.publish, [queue, payloads.map((p) => JSON.stringify(p)), delay, maxAttempts, this.channel]);
  }

  async receive(queue: string, max: number, visibilitySeconds: number): Promise<Delivery[]> {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    if (!(visibilitySeconds > 0)) throw new RangeError(`visibilitySeconds must be > 0, got ${visibilitySeconds}`);
    const { rows } = await this.pool.query<ReceivedRow>(SQL.receive, [queue, max, visibilitySeconds]);
    return rows.map((r) => ({
      receipt: { queue, messageId: r.message_id, deliveryCount: r.delivery_count },
      payload: r.payload,
      enqueuedAt: r.enqueued_at,
    }));
  }

  async ack(receipt: Receipt): Promise<void> {
    const refused = await this.ackBatch([receipt]);
    if (refused.length > 0) throw new ReceiptRefusedError(receipt, 'ack');
  }

  async ackBatch(receipts: readonly Receipt[]): Promise<Receipt[]> {
    const refused: Receipt[] = [];
    for (const [queue, group] of groupByQueue(receipts)) {
      const { rows } = await this.pool.query<{ message_id: string }>(SQL.ack, [
        queue,
        group.map((r) => r.messageId),
        group.map((r) => r.deliveryCount),
      ]);
      const deleted = new Set(rows.map((r) => r.message_id));
      refused.push(...group.filter((r) => !deleted.has(r.messageId)));
    }
    return refused;
  }

  async nack(receipt: Receipt, delaySeconds: number, error?: string): Promise<{ deadLettered: boolean }> {
    checkDelay(delaySeconds);
    const { rows } = await this.pool.query<{ dead_lettered: boolean }>(SQL.nack, [
      receipt.queue,
      receipt.messageId,
      receipt.deliveryCount,
      delaySeconds,
      error ?? null,
      this.channel,
    ]);
    if (!rows[0]) throw new ReceiptRefusedError(receipt, 'nack');
    return { deadLettered: rows[0].dead_lettered };
  }

  async release(receipt: Receipt, delaySeconds: number): Promise<void> {
    checkDelay(delaySeconds);
    const { rowCount } = await this.pool.query(SQL.release, [receipt.queue, receipt.messageId, receipt.deliveryCount, delaySeconds, this.channel]);
    if (rowCount === 0) throw new ReceiptRefusedError(receipt, 'release');
  }

  async extendVisibility(receipt: Receipt, seconds: number): Promise<void> {
    if (!(seconds > 0)) throw new RangeError(`seconds must be > 0, got ${seconds}`);
    const { rowCount } = await this.pool.query(SQL.extendVisibility, [
      receipt.queue,
      receipt.messageId,
      receipt.deliveryCount,
      seconds,
    ]);
    if (rowCount === 0) throw new ReceiptRefusedError(receipt, 'extendVisibility');
  }

  /**
   * Waits for a NOTIFY, or until the next hidden message of the queue becomes visible (a delayed
   * publish before this consumer listened, or a delivery whose consumer died), or `maxWaitMs`.
   */
  async waitForMessages(queue: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    await this.wakeups.listen();
    const { rows } = await this.pool.query<{ next_visible_at: Date | null }>(SQL.nextVisibleAt, [queue]);
    const next = rows[0]?.next_visible_at;
    const untilVisible = next ? next.getTime() - Date.now() : Number.POSITIVE_INFINITY;
    if (untilVisible <= 0) return;
    await this.wakeups.wait(queue, Math.min(maxWaitMs, untilVisible + VISIBILITY_SLACK_MS), signal);
  }

  async redrive(queue: string, messageIds?: readonly string[]): Promise<number> {
    const { rows } = await this.pool.query<{ redriven: number }>(SQL.redrive, [queue, messageIds ?? null, this.channel]);
    return rows[0]?.redriven ?? 0;
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
    await this.wakeups.close();
  }
}

function checkDelay(delaySeconds: number): void {
  if (!(delaySeconds >= 0)) throw new RangeError(`delaySeconds must be >= 0, got ${delaySeconds}`);
}

function groupByQueue(receipts: readonly Receipt[]): Map<string, Receipt[]> {
  const groups = new Map<string, Receipt[]>();
  for (const r of receipts) {
    const group = groups.get(r.queue);
    if (group) group.push(r);
    else groups.set(r.queue, [r]);
  }
  return groups;
}
