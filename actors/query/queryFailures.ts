import { QueryCacheFullError } from './coldFileCache.js';
import { QueryInputError, QueryTimeoutError, ResultTooLargeError } from './queryTypes.js';
import { QueryRejectedError } from './sqlGate.js';
import type { QueryOutcome } from '../node/metrics.js';

/** The query actor's mailbox is full: HTTP 503, retry later. */
export class QueryBusyError extends Error {
  override name = 'QueryBusyError';
  readonly reason = 'busy';
}

/** What a failed query means to its caller: an HTTP status, a stable reason, a message safe to show. */
export interface QueryFailure {
  status: 400 | 408 | 413 | 500 | 503;
  reason: string;
  /** Never the raw SQL: the Query Service's own errors promise that, and unknown errors are not shown. */
  message: string;
  outcome: QueryOutcome;
}

/**
 * One classification of Query Service errors for every caller: the gateway's HTTP status, the
 * CLI's exit code (400-class is the user's input) and the query metrics' outcome label.
 */
export function classifyQueryFailure(err: unknown): QueryFailure {
  if (err instanceof QueryInputError || err instanceof QueryRejectedError) {
    return { status: 400, reason: err.reason, message: err.message, outcome: 'rejected' };
  }
  if (err instanceof QueryTimeoutError) return { status: 408, reason: err.reason, message: err.message, outcome: 'timeout' };
  if (err instanceof ResultTooLargeError) return { status: 413, reason: err.reason, message: err.message, outcome: 'too_large' };
  if (err instanceof QueryBusyError) return { status: 503, reason: err.reason, message: err.message, outcome: 'busy' };
  if (err instanceof QueryCacheFullError) return { status: 503, reason: err.reason, message: err.message, outcome: 'error' };
  return { status: 500, reason: 'internal', message: 'internal error; see the server log', outcome: 'error' };
}
