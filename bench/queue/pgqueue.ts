/** pgqueue through its real driver (PgQueueDriver) on a fresh, migrated installation. */
import { performance } from 'node:perf_hooks';
import { dropInstallation, migrate } from '../../drivers/postgres/migrations.js';
import { createPgPool, schemaNames, type PgPool } from '../../drivers/postgres/postgres.js';
import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import { walPosition, type Cleanups } from './database.js';
import { percentile, perSecond, sleep, until, type BenchPayload } from './stats.js';
import { fillMs, runQueueRound, type QueueRates, type QueueSubject, type WorkloadShape } from './workload.js';

const QUEUE = 'bench';
/** Long enough that no delivery lapses during a phase. */
const VISIBILITY_SECONDS = 60;

export interface PgQueueRates extends QueueRates {
  enqueue_per_s: number;
}

export interface LatencyResult {
  p50_ms: number;
  p99_ms: number;
  samples: number;
}

export class PgQueueSubject implements QueueSubject {
  readonly name = 'pgqueue';

  private constructor(
    private readonly pool: PgPool,
    private readonly driver: PgQueueDriver,
  ) {}

  static async create(url: string, prefix: string, workers: number, cleanups: Cleanups): Promise<PgQueueSubject> {
    const schemas = schemaNames(prefix);
    cleanups.add('drop pgqueue installation', () => dropInstallation(url, schemas));
    await migrate(url, schemas);
    const pool = createPgPool({ url, schemas, max: workers, applicationName: 'trace-lite bench pgqueue' });
    const driver = new PgQueueDriver({ pool, url, schemas });
    cleanups.add('close pgqueue pool', async () => {
      await driver.close();
      await pool.end();
    });
    return new PgQueueSubject(pool, driver);
  }

  async enqueueBatch(batch: readonly BenchPayload[]): Promise<void> {
    await this.driver.publishBatch(QUEUE, batch);
  }

  async consume(max: number): Promise<number> {
    const deliveries = await this.driver.receive(QUEUE, max, VISIBILITY_SECONDS);
    if (deliveries.length === 1) await this.driver.ack(deliveries[0]!.receipt);
    else if (deliveries.length > 1) {
      const refused = await this.driver.ackBatch(deliveries.map((d) => d.receipt));
      if (refused.length > 0) throw new Error(`${refused.length} acks refused`);
    }
    return deliveries.length;
  }

  async settle(): Promise<void> {
    await this.pool.query('VACUUM ANALYZE queue_messages');
  }

  walPosition(): Promise<bigint> {
    return walPosition(this.pool);
  }

  /**
   * Share of receive UPDATEs that were HOT (no index entry written) so far in this installation.
   * Statistics reach pg_stat_user_tables up to a second late, so read it after a pause.
   */
  async hotUpdateRatio(): Promise<number> {
    const { rows } = await this.pool.query<{ ratio: number | null }>(
      `SELECT n_tup_hot_upd::float8 / nullif(n_tup_upd, 0) AS ratio FROM pg_stat_user_tables
       WHERE relid = 'queue_messages'::regclass`,
    );
    return rows[0]?.ratio ?? Number.NaN;
  }

  /** Single publishes fill the queue for the one-at-a-time consume phase. */
  async round(shape: WorkloadShape): Promise<PgQueueRates> {
    let enqueue = Number.NaN;
    const rates = await runQueueRound(this, shape, async () => {
      const ms = await fillMs(this, shape, 1, async ([payload]) => this.driver.publish(QUEUE, payload!));
      enqueue = perSecond(shape.messages, ms);
    });
    return { enqueue_per_s: enqueue, ...rates };
  }

  /**
   * Publish → handler start on an idle consumer: one consumer loops receive → (empty) →
   * waitForMessages(queue, 1000); single publishes go out every 5–10 ms, so it is idle each time.
   */
  async latency(samples: number, warmup = 20): Promise<LatencyResult> {
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const stop = new AbortController();
    let handled = 0;
    const consumer = (async () => {
      while (!stop.signal.aborted) {
        const deliveries = await this.driver.receive(QUEUE, 1, VISIBILITY_SECONDS);
        if (deliveries.length === 0) {
          await this.driver.waitForMessages(QUEUE, 1000, stop.signal);
          continue;
        }
        const startedAt = performance.now();
        for (const d of deliveries) {
          const sent = sentAt.get(String(d.payload.task_id));
          if (sent !== undefined && handled >= warmup) latencies.push(startedAt - sent);
          handled += 1;
          await this.driver.ack(d.receipt);
        }
      }
    })();
    try {
      await sleep(200); // the consumer is listening and idle
      const total = warmup + samples;
      for (let i = 0; i < total; i++) {
        const id = `lat-${i}`;
        sentAt.set(id, performance.now());
        await this.driver.publish(QUEUE, { task_id: id });
        await sleep(5 + (i % 6));
      }
      await until(() => handled >= total, 'latency consumer', 30_000);
    } finally {
      stop.abort();
      await consumer;
    }
    return { p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99), samples: latencies.length };
  }
}
