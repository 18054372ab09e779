import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { move } from 'piscina';
import { compactToParquet } from './compaction.js';
import { ingestRange } from './ingest.js';
import type { QueryJobInput, QueryJobOutput } from '../../query/queryJob.js';

/**
 * Job kinds that run on the Piscina pool, registered by name. Inputs and outputs cross the thread
 * boundary by structured clone, except ArrayBuffers, which the caller transfers (moves) in and a
 * job moves out with `move()`, so large buffers are never copied.
 */
export const poolJobs = {
  /** SHA-256 of a buffer; the buffer is transferred in. */
  sha256(input: { data: ArrayBuffer }): string {
    return createHash('sha256').update(new Uint8Array(input.data)).digest('hex');
  },
  /** A buffer of `bytes` bytes filled with a repeating pattern, moved out to the caller. */
  fill(input: { bytes: number; seed: number }): ArrayBuffer {
    const data = new Uint8Array(input.bytes);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + input.seed) & 0xff;
    return move(data.buffer) as ArrayBuffer;
  },
  /** Busy work for `ms` milliseconds in the pool thread (tests cancellation of running jobs). */
  async sleep(input: { ms: number }): Promise<number> {
    await delay(input.ms);
    return input.ms;
  },
  /** Arrow IPC → Parquet → staging object in the store (see compaction.ts). */
  compactToParquet,
  /** One cryo_ingest range: RPC → Arrow → Parquet staging object + hot rows as COPY text (see ingest.ts). */
  ingestRange,
  /** One Query Service query in a fresh, locked DuckDB (see query/queryJob.ts); DuckDB loads on first use. */
  async runQuery(input: QueryJobInput): Promise<QueryJobOutput> {
    const { runQuery } = await import('../../query/queryJob.js');
    return runQuery(input);
  },
  /** Reports which thread ran it (tests that work leaves the main thread). */
  async threadId(): Promise<number> {
    const { threadId } = await import('node:worker_threads');
    return threadId;
  },
} satisfies Record<string, (input: never) => unknown>;

export type PoolJobs = typeof poolJobs;
export type PoolJobKind = keyof PoolJobs;
export type PoolJobInput<K extends PoolJobKind> = Parameters<PoolJobs[K]>[0];
export type PoolJobOutput<K extends PoolJobKind> = Awaited<ReturnType<PoolJobs[K]>>;
