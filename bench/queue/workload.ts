/** The throughput workload that pgqueue and the plain-SQL baseline both run, phase by phase. */
import type { WalMeter } from './database.js';
import { drainMs, payloads, perSecond, produceMs, type BenchPayload } from './stats.js';

/** A queue under test: pgqueue through its driver, or the baseline's bare statements. */
export interface QueueSubject {
  readonly name: string;
  enqueueBatch(batch: readonly BenchPayload[]): Promise<void>;
  /**
   * Takes up to `max` messages and acknowledges them, or starts to (a consumer that does not wait
   * for its acks before the next receive); returns how many it took.
   */
  consume(max: number): Promise<number>;
  /** Resolves once every acknowledgement that consume() started was settled; fails if one was refused. */
  acksSettled(): Promise<void>;
  /** VACUUM ANALYZE between phases, so each timed phase starts from the same table state. */
  settle(): Promise<void>;
  /** Measures the WAL of the subject's own relations; none for a queue outside Postgres. */
  readonly wal: WalMeter | undefined;
}

export interface WorkloadShape {
  /** Messages per batched phase, which is also the backlog a batched consume phase starts from. */
  messages: number;
  /**
   * Messages of the one-per-call phases (single publish, single receive): at 1–3k/s on the loaded
   * 2 cores, 20k of them took 7–20 s per subject and phase, which put a full run past 10 minutes.
   */
  singleMessages: number;
  /** Concurrent callers, one per pool connection (4: same for every subject). */
  workers: number;
  /** Messages per publishBatch call and per batched receive. */
  batch: number;
  /**
   * Fill/drain cycles timed for each batched figure. One 20k-message batched phase lasts only
   * 80–250 ms, and single phases ranged 79k–267k msg/s for the same code; summing 5 cycles keeps
   * the backlog at `messages` while the measured window grows to about a second.
   */
  batchCycles: number;
}

export interface QueueRates {
  enqueue_batch_per_s: number;
  consume_per_s: number;
  consume_batch_per_s: number;
  /** WAL written during the batched phases per message, enqueue plus consume (diagnostic). */
  wal_bytes_per_message_batched: number;
}

type Send = (chunk: readonly BenchPayload[]) => Promise<void>;

/** Fills the queue with `shape.messages` messages, `perCall` per call; returns elapsed ms. */
export async function fillMs(subject: QueueSubject, shape: WorkloadShape, perCall: number, send?: Send): Promise<number> {
  await subject.settle();
  return produceMs(payloads(shape.messages), shape.workers, perCall, send ?? ((chunk) => subject.enqueueBatch(chunk)));
}

/** Drains the `shape.messages` backlog, `perReceive` per take, its acks settled; returns elapsed ms. */
function drainBacklogMs(subject: QueueSubject, shape: WorkloadShape, perReceive: number): Promise<number> {
  return drainMs(shape.messages, shape.workers, perReceive, (max) => subject.consume(max), () => subject.acksSettled());
}

/** Settles the subject's tables, then drains the `shape.messages` backlog, `perReceive` per take; returns elapsed ms. */
export async function drainQueueMs(subject: QueueSubject, shape: WorkloadShape, perReceive: number): Promise<number> {
  await subject.settle();
  return drainBacklogMs(subject, shape, perReceive);
}

/** Batched figures: `batchCycles` × (timed batched fill, timed batched drain). */
export async function batchedRates(
  subject: QueueSubject,
  shape: WorkloadShape,
): Promise<Pick<QueueRates, 'enqueue_batch_per_s' | 'consume_batch_per_s' | 'wal_bytes_per_message_batched'>> {
  let enqueueMs = 0;
  let consumeMs = 0;
  let wal = 0;
  // WAL is read around the timed part only: settle()'s VACUUM happens before each phase starts.
  const measured = async (phase: () => Promise<number>): Promise<number> => {
    await subject.settle();
    const from = await subject.wal?.mark();
    const ms = await phase();
    if (from !== undefined) wal += (await subject.wal?.bytesSince(from)) ?? 0;
    return ms;
  };
  const send: Send = (chunk) => subject.enqueueBatch(chunk);
  for (let cycle = 0; cycle < shape.batchCycles; cycle++) {
    enqueueMs += await measured(() => produceMs(payloads(shape.messages), shape.workers, shape.batch, send));
    consumeMs += await measured(() => drainBacklogMs(subject, shape, shape.batch));
  }
  const total = shape.messages * shape.batchCycles;
  return {
    enqueue_batch_per_s: perSecond(total, enqueueMs),
    consume_batch_per_s: perSecond(total, consumeMs),
    wal_bytes_per_message_batched: wal / total,
  };
}

/**
 * One round of the shared phases. `fillForSingle` fills the queue for the one-at-a-time consume
 * phase: pgqueue passes its timed single-publish phase there, the baseline an untimed batched fill.
 */
export async function runQueueRound(
  subject: QueueSubject,
  shape: WorkloadShape,
  fillForSingle: (single: WorkloadShape) => Promise<unknown> = (single) => fillMs(subject, single, shape.batch),
): Promise<QueueRates> {
  const single = { ...shape, messages: shape.singleMessages };
  await fillForSingle(single);
  const consume = perSecond(single.messages, await drainQueueMs(subject, single, 1));
  return { consume_per_s: consume, ...(await batchedRates(subject, shape)) };
}
