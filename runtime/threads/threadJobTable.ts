/**
 * Jobs a pool thread can run, by name: each takes one structured-cloneable input and, when it was
 * run with a signal, an AbortSignal to honour (ThreadPool.run).
 */
export type ThreadJobTable = Record<string, (input: never) => unknown>;
export type ThreadJobInput<J extends ThreadJobTable, K extends keyof J> = Parameters<J[K]>[0];
export type ThreadJobOutput<J extends ThreadJobTable, K extends keyof J> = Awaited<ReturnType<J[K]>>;
