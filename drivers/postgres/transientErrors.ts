import { isTransientSocketError } from '../socketErrors.js';

/**
 * SQLSTATEs that say "try again", not "this code is wrong": connection exceptions (class 08),
 * serialization failure, deadlock, a cancelled statement (statement timeout), operator intervention
 * (admin shutdown, crash, server starting), too many connections, a lock not available.
 */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57014', '57P01', '57P02', '57P03', '53300', '55P03']);
/** pg's own messages for a connection lost mid-query or a pool that could not connect in time. */
const TRANSIENT_MESSAGES = [/^Connection terminated/, /^timeout exceeded when trying to connect/, /^Client has encountered a connection error/];

/** Whether a database error is weather (retry later) rather than a programming error. */
export function isTransientDatabaseError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (isTransientSocketError(err) || (typeof code === 'string' && (code.startsWith('08') || TRANSIENT_SQLSTATES.has(code)))) return true;
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(err.message));
}
