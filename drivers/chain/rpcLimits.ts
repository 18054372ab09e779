/**
 * The two per-pool limits of the RPC driver: a FIFO semaphore for requests in flight and a token
 * bucket for JSON-RPC calls per second. Both wait in arrival order, so a large batch is not starved
 * by a stream of small ones.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** At most `limit` holders at once; waiters are served first come, first served. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
  }

  get inUse(): number {
    return this.active;
  }

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * Token bucket: `ratePerSecond` tokens a second, holding at most one second's worth (the burst).
 * `take(n)` with n above the burst waits for a full bucket and then goes into debt, so a 50-call
 * batch still passes a 10 calls/s limit, and the calls after it wait out the debt.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt = performance.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly ratePerSecond: number) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`rate must be a positive number per second, got ${ratePerSecond}`);
    }
    this.tokens = this.burst;
  }

  private get burst(): number {
    return Math.max(1, this.ratePerSecond);
  }

  /** Resolves when `n` tokens were taken; aborting rejects without taking any. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(n, signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(n: number, signal: AbortSignal | undefined): Promise<void> {
    const needed = Math.min(n, this.burst);
    for (;;) {
      signal?.throwIfAborted();
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
      this.updatedAt = now;
      if (this.tokens >= needed) {
        this.tokens -= n;
        return;
      }
      await delay(Math.ceil(((needed - this.tokens) / this.ratePerSecond) * 1000), undefined, { signal });
    }
  }
}
