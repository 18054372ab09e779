import type { PgPool } from '../postgres/postgres.js';
import type { Statement } from '../postgres/sqlStatements.js';
import type { Notice } from './queueWakeups.js';

/**
 * A queue's "visible now" notices are sent at most once per this window per process: the first
 * at once (an idle consumer wakes one round trip after the publish), the rest of the window's
 * publishes folded into one trailing notice. A NOTIFY inside the publishing transaction takes the
 * cluster-wide notify lock at commit, serialising producers: it cost 16–19% of enqueue throughput
 * (bench/queue, README before this change). One notice per 5 ms per queue is at most 200 a
 * second whatever the publish rate, and 5 ms keeps the trailing notice well inside the 20 ms p99
 * wake-up target.
 */
export const NOTICE_COALESCE_MS = 5;

/**
 * Sends pgqueue's wake-up notices after the change they announce committed, outside its
 * transaction, coalesced per queue. Best effort: a notice lost to an error only costs latency,
 * since waiting consumers poll for the next visible time anyway.
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

  /** Announces that messages of `queue` become visible `delaySeconds` from now. */
  announce(queue: string, delaySeconds: number): void {
    if (this.closed) return;
    const now = Date.now();
    // A delayed notice carries its own time and is rare (nack, release, delayed publish): never folded.
    if (delaySeconds > 0) return this.send({ queue, at: now + delaySeconds * 1000 });
    if (this.trailing.has(queue)) return;
    const sinceLast = now - (this.lastSent.get(queue) ?? Number.NEGATIVE_INFINITY);
    if (sinceLast >= NOTICE_COALESCE_MS) {
      this.lastSent.set(queue, now);
      return this.send({ queue, at: now });
    }
    const timer = setTimeout(() => {
      this.trailing.delete(queue);
      this.lastSent.set(queue, Date.now());
      this.send({ queue, at: Date.now() });
    }, NOTICE_COALESCE_MS - sinceLast);
    this.trailing.set(queue, timer);
  }

  private send(notice: Notice): void {
    const sent = this.pool.query(this.statement, [this.channel, JSON.stringify(notice)]).catch(() => undefined);
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  /** Sends the trailing notices still due and waits for every notice in flight. */
  async close(): Promise<void> {
    for (const [queue, timer] of this.trailing) {
      clearTimeout(timer);
      this.send({ queue, at: Date.now() });
    }
    this.trailing.clear();
    this.closed = true;
    await Promise.all(this.sending);
  }
}
