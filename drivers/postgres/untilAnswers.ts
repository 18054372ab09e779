import { setTimeout as delay } from 'node:timers/promises';
import { isTransientDatabaseError } from './transientErrors.js';

/** Between tries while the database is down or starting: crash recovery of a small cluster takes 0.3-3 s. */
const RETRY_MS = 500;

/**
 * Runs `fn` (a first connection) again while it fails with transient database weather (refused,
 * reset, 57P03 "the database system is starting up"), for up to `waitMs`; then, or on any other
 * error, throws the last error. `onWait` hears each failed try.
 */
export async function untilDatabaseAnswers<T>(fn: () => Promise<T>, waitMs: number, onWait: (err: Error, waitedMs: number) => void): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const waited = Date.now() - started;
      if (!isTransientDatabaseError(err) || waited + RETRY_MS > waitMs) throw err;
      onWait(err as Error, waited);
      await delay(RETRY_MS);
    }
  }
}
