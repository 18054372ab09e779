/**
 * A queue under test through the QueueDriver interface alone, so pgqueue and the NATS driver are
 * measured by the same code: publish, receive-and-ack, the single-publish round and the latency
 * of a wake-up for an idle consumer. Subclasses say how to settle between phases.
 */
import { performance } from 'node:perf_hooks';
import type { QueueDriver } from '../../drivers/queue/queueDriver.js';
import type { WalMeter } from './database.js';
import { percentile, perSecond, sleep, until, type BenchPayload } from './stats.js';
import { fillMs, runQueueRound, type QueueRates, type QueueSubject, type WorkloadShape } from './workload.js';

const QUEUE = 'bench';
/** Long enough that no delivery lapses during a phase. */
export const VISIBILITY_SECONDS = 60;

export interface DriverRates extends QueueRates {
  enqueue_per_s: number;
}

export interface LatencyResult {
  p50_ms: number;
  p99_ms: number;
  samples: number;
}

export abstract class DriverSubject implements QueueSubject {
  abstract readonly name: string;

  constructor(protected readonly driver: QueueDriver) {}

  abstract settle(): Promise<void>;
  abstract readonly wal: WalMeter | undefined;

  async enqueueBatch(batch: readonly BenchPayload[]): Promise<void> {
    await this.driver.publishBatch(QUEUE, batch);
  }

  /** Acks sent and not yet settled: the consumer receives again without waiting for them. */
  private readonly unsettledAcks = new Set<Promise<void>>();

  /**
   * Takes up to `max` messages and starts their ack (one batch ack) without waiting for it, as a
   * consumer pipelines its acks (graphile-worker's batched completion, SQS's async delete): the
   * driver may send it with the next receive. acksSettled() waits for them.
   */
  async consume(max: number): Promise<number> {
    const deliveries = await this.driver.receive(QUEUE, max, VISIBILITY_SECONDS);
    if (deliveries.length > 0) {
      const acked = this.driver.ackBatch(deliveries.map((d) => d.receipt)).then((refused) => {
        if (refused.length > 0) throw new Error(`${refused.length} acks refused`);
      });
      this.unsettledAcks.add(acked);
      void acked.then(
        () => this.unsettledAcks.delete(acked),
        () => undefined,
      );
    }
    return deliveries.length;
  }

  async acksSettled(): Promise<void> {
    const acks = [...this.unsettledAcks];
    await Promise.all(acks);
  }

  /** Single publishes fill the queue for the one-at-a-time consume phase. */
  async round(shape: WorkloadShape): Promise<DriverRates> {
    let enqueue = Number.NaN;
    const rates = await runQueueRound(this, shape, async (single) => {
      const ms = await fillMs(this, single, 1, async ([payload]) => this.driver.publish(QUEUE, payload!));
      enqueue = perSecond(single.messages, ms);
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

  /** Connects and creates what the driver needs before any phase is timed (a metrics read does both). */
  async warmUp(): Promise<void> {
    await this.driver.metrics(QUEUE);
  }
}
