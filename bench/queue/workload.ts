/** The throughput workload that pgqueue and the plain-SQL baseline both run, phase by phase. */
import { drainRate, payloads, produceRate, type BenchPayload } from './stats.js';

/** A queue under test: pgqueue through its driver, or the baseline's bare statements. */
export interface QueueSubject {
  readonly name: string;
  enqueueBatch(batch: readonly BenchPayload[]): Promise<void>;
  /** Takes up to `max` messages and acknowledges them; returns how many it took. */
  consume(max: number): Promise<number>;
  /** VACUUM ANALYZE between phases, so each timed phase starts from the same table state. */
  settle(): Promise<void>;
}

export interface WorkloadShape {
  messages: number;
  /** Concurrent callers, one per pool connection (4: same for every subject). */
  workers: number;
  /** Messages per publishBatch call and per batched receive. */
  batch: number;
}

export interface QueueRates {
  enqueue_batch_per_s: number;
  consume_per_s: number;
  consume_batch_per_s: number;
}

/** Fills the queue with `messages` using `send` (`perCall` per call); returns messages/s. */
export async function fillRate(
  subject: QueueSubject,
  shape: WorkloadShape,
  perCall: number,
  send: (chunk: readonly BenchPayload[]) => Promise<void> = (chunk) => subject.enqueueBatch(chunk),
): Promise<number> {
  await subject.settle();
  return produceRate(payloads(shape.messages), shape.workers, perCall, send);
}

export async function drainQueueRate(subject: QueueSubject, shape: WorkloadShape, perReceive: number): Promise<number> {
  await subject.settle();
  return drainRate(shape.messages, shape.workers, perReceive, (max) => subject.consume(max));
}

/**
 * One round of the shared phases. `prefillSingle` fills the queue for the one-at-a-time consume
 * phase; pgqueue passes its timed single-publish phase there, the baseline an untimed batch fill.
 */
export async function runQueueRound(
  subject: QueueSubject,
  shape: WorkloadShape,
  prefillSingle: () => Promise<unknown> = () => fillRate(subject, shape, shape.batch),
): Promise<QueueRates> {
  await prefillSingle();
  const consume = await drainQueueRate(subject, shape, 1);
  const enqueueBatch = await fillRate(subject, shape, shape.batch);
  const consumeBatch = await drainQueueRate(subject, shape, shape.batch);
  return { enqueue_batch_per_s: enqueueBatch, consume_per_s: consume, consume_batch_per_s: consumeBatch };
}
