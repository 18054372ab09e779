/**
 * The contract between a process pool and the module its child processes load: the module exports
 * `openProcessJobs(options)`, which builds the process's long-lived state once and returns its jobs
 * by name. A job gets one structured-cloneable input and a signal that aborts when the parent asks
 * it to stop (deadline or caller gone); it should stop soon after, but need not: the parent kills
 * a process whose job outlives its grace.
 */
export type ProcessJob = (input: never, signal: AbortSignal) => Promise<unknown>;

export interface ProcessJobs {
  jobs: Record<string, ProcessJob>;
  /** Releases the process's state before it exits on its own (idle or pool closed). */
  close(): Promise<void> | void;
}

export type OpenProcessJobs = (options: never) => Promise<ProcessJobs>;

/** Parent → child. */
export type ToChild = { type: 'run'; id: number; kind: string; input: unknown } | { type: 'abort'; id: number };

/** Child → parent. */
export type FromChild =
  | { type: 'ready' }
  | { type: 'failed_to_open'; message: string }
  | { type: 'done'; id: number; ok: true; output: unknown }
  | { type: 'done'; id: number; ok: false; error: { name: string; message: string } }
  /** Its resident memory passed the cap: it kills itself right after this message. */
  | { type: 'over_memory'; rssBytes: number };

/** What a child is started with (the environment variable PROCESS_POOL_CHILD, as JSON). */
export interface ChildSettings {
  /** URL of the module exporting `openProcessJobs`. */
  module: string;
  options: unknown;
  /** Resident set size the process may not pass. */
  rssLimitBytes: number;
}

export const CHILD_SETTINGS_ENV = 'PROCESS_POOL_CHILD';
