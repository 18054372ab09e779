/**
 * A pool of child processes for work that must be stoppable whatever it is doing: each child runs
 * one job at a time, and a job that outlives its deadline, whose caller went away and that does not
 * stop when asked, or whose process passes its memory cap, ends with its process (SIGKILL) — the
 * operating system takes back every byte and thread of it, and no other job is touched (other
 * children, and the node's own thread pool, go on). A killed child is replaced at once, so the next
 * job finds a started one. Children that stayed idle exit, so an idle node holds none.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CHILD_SETTINGS_ENV, type ChildSettings, type FromChild, type ToChild } from './processJobs.js';

/** A job asked to stop gets this long to finish before its process is killed (DuckDB stops an interruptible query within ms). */
const STOP_GRACE_MS = 500;

export interface ProcessPoolOptions {
  /** URL of the module exporting `openProcessJobs` (runtime/processes/processJobs.ts). */
  module: URL;
  /** Handed to `openProcessJobs` in every child (structured as JSON). */
  options: unknown;
  maxProcesses: number;
  /** Resident set size a child may not pass; it is killed when it does. */
  rssLimitBytes: number;
  /** A child idle this long exits. */
  idleTimeoutMs: number;
  /** Called with a child's pid once it has exited, however it ended (to clean up what it left). */
  onExit?: (pid: number) => void;
}

export interface ProcessRunOptions {
  /** Aborting asks the job to stop and rejects with the signal's reason; the process is killed if the job goes on. */
  signal?: AbortSignal;
  /** From when a started process takes the job: the process is killed STOP_GRACE_MS after it, and the run rejects then. */
  deadlineMs?: number;
}

/** The job ran past its deadline (and its process was killed if it did not stop). */
export class ProcessJobTimeoutError extends Error {
  override name = 'ProcessJobTimeoutError';
}

/** The job's process passed its memory cap and was killed. */
export class ProcessOverMemoryError extends Error {
  override name = 'ProcessOverMemoryError';
  constructor(readonly rssBytes: number) {
    super(`the job's process reached ${Math.round(rssBytes / 2 ** 20)} MB resident and was killed`);
  }
}

/** The job failed in the child: its error's name and message (classes do not cross processes). */
export class ProcessJobError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Job {
  id: number;
  resolve(output: unknown): void;
  reject(err: unknown): void;
  /** Set once the caller has been answered (the job may still be stopping). */
  settled: boolean;
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  job: Job | null;
  overMemory: number | null;
  idleTimer: NodeJS.Timeout | null;
}

const ENTRY = fileURLToPath(new URL('./processEntry.js', import.meta.url));

export class ProcessPool {
  private readonly children = new Set<Child>();
  private readonly idle: Child[] = [];
  private readonly waiting: Array<(child: Child) => void> = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ProcessPoolOptions) {}

  /** Children alive now (busy, idle or starting). */
  get processes(): number {
    return this.children.size;
  }

  /** Starts one child ahead of the first job, if none is alive. */
  warm(): void {
    if (this.children.size === 0 && !this.closed) this.release(this.spawn());
  }

  async run<T>(kind: string, input: unknown, options: ProcessRunOptions = {}): Promise<T> {
    const { signal, deadlineMs } = options;
    signal?.throwIfAborted();
    const child = await this.acquire(signal);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id, resolve: resolve as (output: unknown) => void, reject, settled: false };
      child.job = job;
      let killTimer: NodeJS.Timeout | undefined;
      const stop = (answer: unknown): void => {
        if (!job.settled) {
          job.settled = true;
          reject(answer);
        }
        this.send(child, { type: 'abort', id });
        killTimer ??= setTimeout(() => this.kill(child), STOP_GRACE_MS);
      };
      const onAbort = (): void => stop(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const deadline =
        deadlineMs === undefined
          ? undefined
          : setTimeout(() => {
              // The child interrupts itself at the deadline; this answers if it has not by the grace.
              job.settled = true;
              reject(new ProcessJobTimeoutError(`${kind} ran past ${deadlineMs} ms`));
              this.kill(child);
            }, deadlineMs + STOP_GRACE_MS);
      const cleanUp = (): void => {
        clearTimeout(deadline);
        clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      job.resolve = (output) => {
        cleanUp();
        if (!job.settled) resolve(output as T);
        job.settled = true;
      };
      job.reject = (err) => {
        cleanUp();
        if (!job.settled) reject(err);
        job.settled = true;
      };
      this.send(child, { type: 'run', id, kind, input });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const resume of this.waiting.splice(0)) resume(undefined as never);
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.process.once('exit', () => resolve());
          this.kill(child);
        }),
    );
    await Promise.all(exits);
  }

  /** A free, started child; aborting gives back the one it was waiting to start. */
  private async acquire(signal?: AbortSignal): Promise<Child> {
    if (this.closed) throw new Error('the process pool is closed');
    const child = await this.free(signal);
    clearTimeout(child.idleTimer ?? undefined);
    child.idleTimer = null;
    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => undefined); // an abort after the child is ready has nobody waiting for it
    try {
      await Promise.race([child.ready, aborted]);
    } catch (err) {
      if (signal?.aborted) this.release(child);
      throw err;
    }
    return child;
  }

  /** An idle child, a new one, or the next one freed (they may still be starting). */
  private async free(signal?: AbortSignal): Promise<Child> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.children.size < this.options.maxProcesses) return this.spawn();
    return new Promise<Child>((resolve, reject) => {
      const resume = (c: Child): void => {
        signal?.removeEventListener('abort', onAbort);
        if (c === undefined) reject(new Error('the process pool is closed'));
        else resolve(c);
      };
      const onAbort = (): void => {
        this.waiting.splice(this.waiting.indexOf(resume), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(resume);
    });
  }

  /** A free child goes to the next waiting job, or waits idle. */
  private release(child: Child): void {
    child.job = null;
    if (this.closed || !this.children.has(child)) return;
    const next = this.waiting.shift();
    if (next) return next(child);
    this.idle.push(child);
    child.idleTimer = setTimeout(() => {
      const at = this.idle.indexOf(child);
      if (at >= 0) this.idle.splice(at, 1);
      this.children.delete(child);
      if (child.process.connected) child.process.disconnect();
    }, this.options.idleTimeoutMs);
    child.idleTimer.unref();
  }

  private spawn(): Child {
    const settings: ChildSettings = { module: this.options.module.href, options: this.options.options, rssLimitBytes: this.options.rssLimitBytes };
    const proc = fork(ENTRY, [], {
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [CHILD_SETTINGS_ENV]: JSON.stringify(settings) },
    });
    let started: () => void = () => undefined;
    let failed: (err: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    ready.catch(() => undefined);
    const child: Child = { process: proc, ready, job: null, overMemory: null, idleTimer: null };
    this.children.add(child);
    proc.on('message', (message: FromChild) => {
      switch (message.type) {
        case 'ready':
          return started();
        case 'failed_to_open':
          return failed(new Error(`a pool process failed to start: ${message.message}`));
        case 'over_memory':
          child.overMemory = message.rssBytes;
          return;
        case 'done': {
          const job = child.job;
          if (job?.id !== message.id) return;
          if (message.ok) job.resolve(message.output);
          else job.reject(new ProcessJobError(message.error.name, message.error.message));
          return this.release(child);
        }
      }
    });
    proc.on('error', () => undefined);
    proc.once('exit', (code, signal) => {
      this.children.delete(child);
      if (proc.pid !== undefined) this.options.onExit?.(proc.pid);
      clearTimeout(child.idleTimer ?? undefined);
      const at = this.idle.indexOf(child);
      if (at >= 0) this.idle.splice(at, 1);
      failed(new Error(`a pool process exited before it was ready (${signal ?? code})`));
      const job = child.job;
      child.job = null;
      if (job) {
        job.reject(child.overMemory !== null ? new ProcessOverMemoryError(child.overMemory) : new Error(`the job's process ended (${signal ?? code})`));
        // A replacement when none is left, so the next job does not pay the start.
        if (!this.closed && this.children.size === 0) this.release(this.spawn());
      }
    });
    return child;
  }

  private send(child: Child, message: ToChild): void {
    if (child.process.connected) child.process.send(message, undefined, undefined, () => undefined);
  }

  /** Kills the child; it no longer counts as one of the pool's (a next job may start another at once). */
  private kill(child: Child): void {
    this.children.delete(child);
    const at = this.idle.indexOf(child);
    if (at >= 0) this.idle.splice(at, 1);
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }
}
