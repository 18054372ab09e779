import { availableParallelism } from 'node:os';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';

import { threadExitArmed } from '../failpoints.js';
import type { ThreadJobEnvelope } from './threadEntry.js';
import type { ThreadJobInput, ThreadJobOutput, ThreadJobTable } from './threadJobTable.js';

export interface ThreadPoolOptions {
  /** URL of the module whose `threadJobs` export is the job table; each thread imports it once. */
  jobs: URL;
  maxThreads?: number;
}

export interface RunOptions {
  /** ArrayBuffers (or message ports) in the input to move to the pool thread instead of copying; they are detached here afterwards. */
  transfer?: TransferListItem[];
  /** Aborting rejects the job with an AbortError and, if it already runs, ends its thread. */
  signal?: AbortSignal;
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
 * The process's thread pool for heavy work (Piscina). It knows nothing of the jobs: the caller names
 * the module of its job table, and `run` is typed by that table.
 */
export class ThreadPool<J extends ThreadJobTable> {
  private readonly piscina: Piscina;

  constructor(options: ThreadPoolOptions) {
    this.piscina = new Piscina({
      filename: new URL('./threadEntry.js', import.meta.url).href,
      workerData: { jobs: options.jobs.href },
      maxThreads: options.maxThreads ?? availableParallelism(),
      minThreads: 0,
      concurrentTasksPerWorker: JOBS_PER_THREAD,
      idleTimeout: IDLE_THREAD_TIMEOUT_MS,
    });
  }

  run<K extends keyof J & string>(kind: K, input: ThreadJobInput<J, K>, options: RunOptions = {}): Promise<ThreadJobOutput<J, K>> {
    const envelope: ThreadJobEnvelope = { kind, input: input as never, exitMidJob: threadExitArmed(THREAD_EXIT_POINT) };
    return this.piscina.run(envelope, { transferList: options.transfer, signal: options.signal ?? null }) as Promise<
      ThreadJobOutput<J, K>
    >;
  }

  get threads(): number {
    return this.piscina.threads.length;
  }

  async close(): Promise<void> {
    await this.piscina.close({ force: true });
  }
}
