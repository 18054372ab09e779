import { availableParallelism } from 'node:os';
import { MessageChannel, type TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';

import { threadExitArmed } from '../failpoints.js';
import type { ThreadJobInput, ThreadJobMessage, ThreadJobOutput, ThreadJobTable } from './threadJobTable.js';

export interface ThreadPoolOptions {
  /** URL of the module whose `threadJobs` export is the job table; each thread imports it once. */
  jobs: URL;
  maxThreads?: number;
  /**
   * Called when a thread fails while it holds no job (an exception thrown by a timer or callback a
   * job left behind). Piscina reports that as an 'error' event on the pool, which would end the
   * process if nobody listened; the pool has already dropped the thread and starts another for the
   * next job.
   */
  onThreadError: (error: Error) => void;
}

export interface RunOptions {
  /** ArrayBuffers (or message ports) in the input to move to the pool thread instead of copying; they are detached here afterwards. */
  transfer?: TransferListItem[];
  /**
   * Aborting rejects the job at once with an AbortError and hands the abort to the job, which sees
   * it on the signal it gets as its second argument and stops at its next check (an RPC call, a
   * step between stages). The thread is not ended: it goes on with the other jobs it holds.
   */
  signal?: AbortSignal;
}

/** A job's promise rejects with this when its signal aborts (named AbortError, as Piscina's own). */
export class ThreadJobAbortError extends Error {
  override name = 'AbortError';
  constructor(reason: unknown) {
    super(`the thread job was aborted: ${String(reason)}`, { cause: reason });
  }
}


/** Ingest jobs wait on RPC and S3 most of their time; letting a thread interleave 4 of them
 * overlaps that waiting (one job per thread serialised a devnet sync to ~8 blocks/s a stream). */
const JOBS_PER_THREAD = 4;
/** Idle threads exit after 30 s, so an idle process holds no thread memory. */
const IDLE_THREAD_TIMEOUT_MS = 30_000;

/**
 * Test-only: armed with `exit` (TRACE_TEST_FAILPOINTS), the pool thread that takes the next job ends
 * while the job runs, as a thread that crashes would; Piscina fails its jobs and starts another.
 */
export const THREAD_EXIT_POINT = 'threadPool.threadExits';
/**
 * Test-only: armed with `exit` when a pool is made, every thread of that pool fails as it starts,
 * before it holds a job (as a thread that cannot start would); Piscina reports that on the pool,
 * not on any job.
 */
export const THREAD_START_FAILS_POINT = 'threadPool.threadFailsAtStart';

/**
 * The process's thread pool for heavy work (Piscina). It knows nothing of the jobs: the caller names
 * the module of its job table, and `run` is typed by that table.
 */
export class ThreadPool<J extends ThreadJobTable> {
  private readonly piscina: Piscina;
  /** Threads (by threadId) that ran a warm-up job; a thread that exits and is replaced is cold again. */
  private readonly warmed = new Set<number>();
  private warming: Promise<void> | undefined;

  constructor(options: ThreadPoolOptions) {
    this.piscina = new Piscina({
      filename: new URL('./threadEntry.js', import.meta.url).href,
      workerData: { jobs: options.jobs.href, failAtStart: threadExitArmed(THREAD_START_FAILS_POINT) },
      maxThreads: options.maxThreads ?? availableParallelism(),
      minThreads: 0,
      concurrentTasksPerWorker: JOBS_PER_THREAD,
      idleTimeout: IDLE_THREAD_TIMEOUT_MS,
    });
    this.piscina.on('error', options.onThreadError);
  }

  /**
   * Runs a job on a pool thread. The abort is cooperative rather than Piscina's own (which ends the
   * thread, so Piscina gives an abortable job a thread to itself: the node's six ingest jobs then
   * ran two at a time on two threads, each waiting ~3 s for a thread, bench/ingest).
   */
  async run<K extends keyof J & string>(kind: K, input: ThreadJobInput<J, K>, options: RunOptions = {}): Promise<ThreadJobOutput<J, K>> {
    const { signal, transfer = [] } = options;
    const exitMidJob = threadExitArmed(THREAD_EXIT_POINT);
    if (!signal) return (await this.piscina.run({ kind, input, exitMidJob } satisfies ThreadJobMessage, { transferList: transfer })) as ThreadJobOutput<J, K>;
    signal.throwIfAborted();
    const { port1, port2 } = new MessageChannel();
    const job = this.piscina.run({ kind, input, abort: port2, exitMidJob } satisfies ThreadJobMessage, { transferList: [...transfer, port2] }) as Promise<ThreadJobOutput<J, K>>;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        port1.postMessage(String(signal.reason));
        reject(new ThreadJobAbortError(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([job, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
      // The job may still be stopping on its thread: its outcome is nobody's business any more.
      job.catch(() => undefined).finally(() => port1.close());
    }
  }

  /**
   * Starts every thread the pool may have and runs the job `kind` (one that loads modules and
   * returns its thread's id) on each of them, so work that comes next finds its threads ready: a
   * cold thread spent 1–2 s loading viem, Arrow and parquet-wasm while the first ranges of a sync
   * waited (bench/ingest `thread_start`). Piscina gives queued jobs to the first thread that is
   * ready, up to its places, so the job is run once per place of every thread. Joins a warm-up
   * under way; does nothing while every thread is warm. The threads still exit when idle.
   * Resolves with how many of the pool's threads are warm.
   */
  async warm<K extends keyof J & string>(kind: K, input: ThreadJobInput<J, K>): Promise<number> {
    const live = this.piscina.threads.map((thread) => thread.threadId);
    if (live.length === this.piscina.maxThreads && live.every((id) => this.warmed.has(id))) return live.length;
    this.warming ??= (async () => {
      try {
        const places = this.piscina.maxThreads * JOBS_PER_THREAD;
        // Not through run(): a thread-exit failpoint is meant for the next job of the work itself.
        const warmUp = { kind, input, exitMidJob: false } satisfies ThreadJobMessage;
        const ids: unknown[] = await Promise.all(Array.from({ length: places }, () => this.piscina.run(warmUp)));
        for (const id of ids) if (typeof id === 'number') this.warmed.add(id);
        const alive = new Set(this.piscina.threads.map((thread) => thread.threadId));
        for (const id of this.warmed) if (!alive.has(id)) this.warmed.delete(id);
      } finally {
        this.warming = undefined;
      }
    })();
    await this.warming;
    return this.piscina.threads.filter((thread) => this.warmed.has(thread.threadId)).length;
  }

  get threads(): number {
    return this.piscina.threads.length;
  }

  async close(): Promise<void> {
    await this.piscina.close({ force: true });
  }
}
