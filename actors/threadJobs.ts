import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { move } from 'piscina';
import { ThreadPool } from '../runtime/threads/threadPool.js';
import { compactToParquet, mergeParquetFiles } from './worker/jobs/compaction.js';
import { fetchRange, warmIngest } from './worker/jobs/ingest.js';

/**
 * Job kinds that run on the thread pool, registered by name. Inputs and outputs cross the thread
 * boundary by structured clone, except ArrayBuffers, which the caller transfers (moves) in and a
 * job moves out with `move()`, so large buffers are never copied.
 */
export const threadJobs = {
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
  /** Waits `ms` milliseconds in the pool thread, or until aborted (tests cancellation of running jobs). */
  async sleep(input: { ms: number }, signal?: AbortSignal): Promise<number> {
    await delay(input.ms, undefined, { signal });
    return input.ms;
  },
  /** Arrow IPC → Parquet → staging object in the store (see compaction.ts). */
  compactToParquet,
  /** Parquet objects → one Parquet staging object (a compaction of small versions; see compaction.ts). */
  mergeParquetFiles,
  /** A cryo_ingest range read and decoded: RPC → Arrow IPC + hot rows as COPY text (see ingest.ts). */
  fetchRange,
  /** Loads a cryo_ingest range's modules on the thread that runs it; returns its thread id (see ingest.ts). */
  warmIngest,
  /** Reports which thread ran it (tests that work leaves the main thread). */
  async threadId(): Promise<number> {
    const { threadId } = await import('node:worker_threads');
    return threadId;
  },
} satisfies Record<string, (input: never) => unknown>;

export type ThreadJobs = typeof threadJobs;
export type NodeThreadPool = ThreadPool<ThreadJobs>;

/** The thread pool of a node: its threads run the jobs above. */
export function openThreadPool(options: { maxThreads?: number; onThreadError: (error: Error) => void }): NodeThreadPool {
  return new ThreadPool<ThreadJobs>({ jobs: new URL(import.meta.url), ...options });
}
