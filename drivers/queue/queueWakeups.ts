import { waitForWake } from '../../runtime/waiting.js';

/**
 * Timers for delayed messages fire this much after the visibility time: Postgres keeps microseconds
 * and JavaScript milliseconds, and a JetStream redelivery timer fires a few milliseconds late, so
 * waking at the exact millisecond could find the message still hidden.
 */
export const VISIBILITY_SLACK_MS = 5;

/** Where a driver's notices arrive: pgqueue's LISTEN channel, the NATS driver's notice subject. */
export interface NoticeSource {
  /** Hands every notice payload to `onNotice` from now on; resolves once notices flow (again, after a dropped connection). */
  listen(onNotice: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** What a driver announces when messages of a queue become visible at once or later. */
export interface Notice {
  queue: string;
  /** Epoch milliseconds at which the announced messages become visible. */
  at: number;
}

function parseNotice(payload: string): Notice | undefined {
  try {
    const value = JSON.parse(payload) as Partial<Notice>;
    return typeof value.queue === 'string' && typeof value.at === 'number' ? { queue: value.queue, at: value.at } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns a driver's notices into wake-ups for idle consumers: at once for visible messages, and by
 * timer at the announced time for delayed ones (publish with delay, nack with delay).
 */
export class QueueWakeups {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly source: NoticeSource) {}

  private onNotice(payload: string): void {
    const notice = parseNotice(payload);
    if (!notice) return;
    const untilVisible = notice.at - Date.now();
    if (untilVisible <= 0) return this.wake(notice.queue);
    const delayMs = untilVisible + VISIBILITY_SLACK_MS;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake(notice.queue);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private wake(queue: string): void {
    const set = this.waiters.get(queue);
    if (!set) return;
    this.waiters.delete(queue);
    for (const resolve of set) resolve();
  }

  /** Makes sure notices are heard (again, after a dropped connection). */
  async listen(): Promise<void> {
    await this.source.listen((payload) => this.onNotice(payload));
  }

  /** Resolves on a wake-up for `queue`, after `maxWaitMs`, or on abort; call listen() first. */
  async wait(queue: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    await waitForWake(maxWaitMs, signal, (wake) => {
      let set = this.waiters.get(queue);
      if (!set) {
        set = new Set();
        this.waiters.set(queue, set);
      }
      set.add(wake);
      return () => this.waiters.get(queue)?.delete(wake);
    });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of [...this.waiters.keys()]) this.wake(queue);
    await this.source.close();
  }
}
