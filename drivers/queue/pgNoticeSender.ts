import type { PgPool } from '../postgres/postgres.js';
import type { Statement } from '../postgres/sqlStatements.js';
import type { Notice } from './queueWakeups.js';

/**
 * A queue's "visible now" notices are sent at most once per this window per process: the first
 * with the change itself (an idle consumer wakes as the publish commits), the rest of the window's
 * publishes folded into one trailing notice sent alone. A NOTIFY inside the publishing transaction takes the
 * cluster-wide notify lock at commit, serialising producers: it cost 16–19% of enqueue throughput
 * (bench/queue, README before this change). One notice per 5 ms per queue is at most 200 a
 * second whatever the publish rate, and 5 ms keeps the trailing notice well inside the 20 ms p99
 * wake-up target.
 */
export const NOTICE_COALESCE_MS = 5;

/**
 * Decides pgqueue's wake-up notices, coalesced per queue: a publish carries its notice in its own
 * statement when one is due now (dueWith), otherwise a trailing notice is sent alone after the
 * window. Sending every notice apart, after commit, measured a wake-up p50 of 58–154 ms against
 * NATS's 4 ms in the same run (load 18–30): each wake waited for a second statement. Best effort:
 * a trailing notice lost to an error only costs latency, since waiting consumers poll anyway.
 */
export class PgNoticeSender {
  private readonly lastSent = new Map<string, number>();
  private readonly trailing = new Map<string, NodeJS.Timeout>();
  private readonly sending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly pool: PgPool,
    private readonly statement: Statement,
    private readonly channel: string,
  ) {}

  /** Announces, after the change committed, that messages of `queue` become visible `delaySeconds` from now. */
  announce(queue: string, delaySeconds: number): void {
    const notice = this.dueWith(queue, delaySeconds);
    if (notice !== undefined) this.send(notice);
    else this.trail(queue);
  }

  /**
   * The notice (JSON) the caller's own statement must send for messages of `queue` visible
   * `delaySeconds` from now, or undefined when the caller must call trail() once it committed.
   */
  dueWith(queue: string, delaySeconds: number): string | undefined {
    if (this.closed) return undefined;
    const now = Date.now();
    // A delayed notice carries its own time and is rare (nack, release, delayed publish): never folded.
    if (delaySeconds > 0) return JSON.stringify({ queue, at: now + delaySeconds * 1000 } satisfies Notice);
    if (this.trailing.has(queue) || now - (this.lastSent.get(queue) ?? Number.NEGATIVE_INFINITY) < NOTICE_COALESCE_MS) return undefined;
    this.lastSent.set(queue, now);
    return JSON.stringify({ queue, at: now } satisfies Notice);
  }

  /** Makes sure a notice for `queue` goes out by the end of the window; call it after the change committed. */
  trail(queue: string): void {
    if (this.closed || this.trailing.has(queue)) return;
    const wait = Math.max(0, NOTICE_COALESCE_MS - (Date.now() - (this.lastSent.get(queue) ?? Number.NEGATIVE_INFINITY)));
    const timer = setTimeout(() => {
      this.trailing.delete(queue);
      this.lastSent.set(queue, Date.now());
      this.send(JSON.stringify({ queue, at: Date.now() } satisfies Notice));
    }, wait);
    this.trailing.set(queue, timer);
  }

  private send(notice: string): void {
    const sent = this.pool.query(this.statement, [this.channel, notice]).catch(() => undefined);
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  /** Sends the trailing notices still due and waits for every notice in flight. */
  async close(): Promise<void> {
    for (const [queue, timer] of this.trailing) {
      clearTimeout(timer);
      this.send(JSON.stringify({ queue, at: Date.now() } satisfies Notice));
    }
    this.trailing.clear();
    this.closed = true;
    await Promise.all(this.sending);
  }
}
