import type { MessagePort } from 'node:worker_threads';

/**
 * Jobs a pool thread can run, by name: each takes one structured-cloneable input and, when it was
 * run with a signal, an AbortSignal to honour (ThreadPool.run).
 */
export type ThreadJobTable = Record<string, (input: never) => unknown>;
export type ThreadJobInput<J extends ThreadJobTable, K extends keyof J> = Parameters<J[K]>[0];
export type ThreadJobOutput<J extends ThreadJobTable, K extends keyof J> = Awaited<ReturnType<J[K]>>;

/** What the pool posts to a thread (threadEntry.ts): the job, and the port an abort arrives on. */
export interface ThreadJobMessage {
  kind: string;
  input: unknown;
  abort?: MessagePort;
  /** Test-only (threadPool.ts THREAD_EXIT_POINT): the thread ends itself once the job has started. */
  exitMidJob?: boolean;
}
