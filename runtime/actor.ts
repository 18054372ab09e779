import type { Logger } from './logger.js';
import { BoundedMailbox } from './boundedMailbox.js';
import { IdleBackoff } from './idleBackoff.js';
import { sleep } from './waiting.js';

export interface ActorOptions {
  /** Messages that may wait in the mailbox; more are refused (offer) or wait (put). */
  mailboxCapacity?: number;
  /** Messages handled at once. */
  concurrency?: number;
}

/** A database restart takes a few seconds: retrying at most 5 s apart resumes a tick soon after it returns. */
const MAX_TRANSIENT_BACKOFF_MS = 5000;
/** A loop's first retry after a transient error comes after 200 ms, then doubling (a dropped connection is back at once). */
const TRANSIENT_BACKOFF_BASE_MS = 100;

export interface TickOptions {
  /** Errors to retry with backoff instead of crashing (a dropped connection, a deadlock). */
  isTransient?: (err: unknown) => boolean;
  /** The longest interval an idle tick (one that returned false) backs off to. */
  idleMaxMs?: number;
  /** Names the tick for `wakeTicks(name)`. */
  name?: string;
}

export type CrashHandler = (actor: Supervisable, error: Error) => void;

/** What a supervisor needs of a child. */
export interface Supervisable {
  readonly name: string;
  start(onCrash: CrashHandler): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Base of every long-lived actor: start → receive messages (and periodic ticks) → stop. An error
 * escaping `receive` or a tick crashes the actor: it stops processing and reports to its
 * supervisor, which starts a fresh instance. Handled failures (a refused lease, a publish error)
 * are the actor's own business and never crash it.
 */
export abstract class Actor<M> implements Supervisable {
  readonly mailbox: BoundedMailbox<M>;
  private readonly concurrency: number;
  private readonly loops: Promise<void>[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly ticking = new Set<Promise<void>>();
  private readonly wakers = new Map<() => void, string | undefined>();
  private crashHandler: CrashHandler | undefined;
  /** Aborted when the actor stops or crashes; long waits inside loops should honour it. */
  protected readonly stopSignal: AbortSignal;
  private readonly stopController = new AbortController();
  private state: 'new' | 'running' | 'stopping' | 'stopped' | 'crashed' = 'new';

  constructor(
    readonly name: string,
    protected readonly log: Logger,
    options: ActorOptions = {},
  ) {
    this.mailbox = new BoundedMailbox<M>(options.mailboxCapacity ?? 1000);
    this.concurrency = options.concurrency ?? 1;
    this.stopSignal = this.stopController.signal;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Called once before messages flow; a throw here counts as a crash. */
  protected async onStart(): Promise<void> {}
  /** Handles one message. */
  protected async receive(_message: M): Promise<void> {}
  /** Called once on stop, after message handling ended. */
  protected async onStop(): Promise<void> {}

  async start(onCrash: CrashHandler): Promise<void> {
    this.crashHandler = onCrash;
    this.state = 'running';
    await this.onStart();
    for (let i = 0; i < this.concurrency; i++) this.loops.push(this.processLoop());
  }

  /** Offers a message without waiting; false when the mailbox is full or the actor is not running. */
  tell(message: M): boolean {
    return this.running && this.mailbox.offer(message);
  }

  /**
   * Runs `tick` every `intervalMs` (never overlapping itself) while the actor runs. A tick that
   * returns false found nothing to do: the interval then doubles up to `idleMaxMs`, so an idle
   * process costs little, and `wakeTicks()` (an event says there is work) or a tick that found work
   * brings it back. An error that `isTransient` accepts (a dropped connection, a deadlock) is logged
   * and the tick retried after an exponential backoff, without spending the supervisor's restart
   * budget; any other error crashes.
   */
  protected every(intervalMs: number, tick: () => Promise<boolean | void>, options: TickOptions = {}): void {
    const { isTransient = () => false, idleMaxMs = intervalMs } = options;
    const idle = new IdleBackoff(intervalMs, idleMaxMs);
    let failures = 0;
    let pending: NodeJS.Timeout | undefined;
    let wokenDuringTick = false;
    const fire = () => {
      pending = undefined;
      if (!this.running) return;
      const run = tick()
        .then(
          (foundWork) => {
            failures = 0;
            schedule(wokenDuringTick ? 0 : idle.next(foundWork !== false));
          },
          (err: unknown) => {
            if (!isTransient(err)) return this.crash(err);
            failures++;
            const retryInMs = Math.min(MAX_TRANSIENT_BACKOFF_MS, intervalMs * 2 ** failures);
            this.log.warn({ err, failures, retryInMs }, 'transient error in a periodic tick; retrying');
            schedule(retryInMs);
          },
        )
        .finally(() => this.ticking.delete(run));
      this.ticking.add(run);
    };
    const schedule = (delayMs: number) => {
      wokenDuringTick = false;
      if (!this.running) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        fire();
      }, delayMs);
      pending = timer;
      this.timers.add(timer);
    };
    this.wakers.set(() => {
      idle.reset();
      if (pending === undefined) {
        wokenDuringTick = true;
        return;
      }
      clearTimeout(pending);
      this.timers.delete(pending);
      fire();
    }, options.name);
    schedule(intervalMs);
  }

  /** Runs the named periodic ticks (all, without names) now, at their short interval again: an event says there may be work. */
  protected wakeTicks(...names: string[]): void {
    for (const [wake, name] of this.wakers) if (names.length === 0 || (name !== undefined && names.includes(name))) wake();
  }

  /**
   * Runs `body` again and again while the actor runs (a receive loop, a drain loop). An error that
   * `isTransient` accepts is logged and `body` run again after an exponential backoff (from
   * 2 × TRANSIENT_BACKOFF_BASE_MS to MAX_TRANSIENT_BACKOFF_MS), as `every` does; any other error crashes.
   */
  protected loop(body: () => Promise<void>, options: Pick<TickOptions, 'isTransient'> = {}): void {
    const { isTransient = () => false } = options;
    const run = (async () => {
      let failures = 0;
      while (this.running) {
        try {
          await body();
          failures = 0;
        } catch (err) {
          if (!isTransient(err)) throw err;
          failures++;
          const retryInMs = Math.min(MAX_TRANSIENT_BACKOFF_MS, TRANSIENT_BACKOFF_BASE_MS * 2 ** failures);
          this.log.warn({ err, failures, retryInMs }, 'transient error in a loop; retrying');
          await sleep(retryInMs, this.stopSignal);
        }
      }
    })().catch((err: unknown) => this.crash(err));
    this.loops.push(run);
  }

  private async processLoop(): Promise<void> {
    for (;;) {
      const message = await this.mailbox.take();
      if (message === undefined || this.state === 'crashed') return;
      try {
        await this.receive(message);
      } catch (err) {
        this.crash(err);
        return;
      }
    }
  }

  protected crash(err: unknown): void {
    if (this.state !== 'running') return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.state = 'crashed';
    this.haltProcessing();
    this.crashHandler?.(this, error);
  }

  private haltProcessing(): void {
    this.stopController.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.mailbox.close();
  }

  /** Stops taking messages, lets in-flight handling finish, then runs onStop. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasCrashed = this.state === 'crashed';
    this.state = 'stopping';
    this.haltProcessing();
    await this.beforeDrain();
    await Promise.allSettled([...this.loops, ...this.ticking]);
    try {
      await this.onStop();
    } catch (err) {
      if (!wasCrashed) this.log.error({ err, actor: this.name }, 'actor failed to stop cleanly');
    }
    this.state = 'stopped';
  }

  /** Hook for actors that must act before in-flight work is awaited (e.g. a worker handing back queued deliveries). */
  protected async beforeDrain(): Promise<void> {}
}
