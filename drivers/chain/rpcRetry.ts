/**
 * The RPC pools' retry policy: which faults a retry can cure, and how long to wait before the next
 * attempt. Retried: timeouts, dropped connections, HTTP 408/425/429/5xx (honouring Retry-After),
 * bodies that are not JSON, batch answers with fewer entries than calls, and entries without a
 * usable answer. JSON-RPC error objects are the node's answer and fail the call at once, except
 * -32005 "limit exceeded" (EIP-1474), which is rate limiting.
 */

/** Longest Retry-After honoured; a server asking for more gets retried after this. */
const MAX_RETRY_AFTER_MS = 60_000;
const RETRYABLE_HTTP_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
/** JSON-RPC error codes that mean "try again later" rather than "no". */
const RETRYABLE_RPC_CODES = new Set([-32005]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_HTTP_STATUS.has(status);
}

export function isRetryableRpcCode(code: number): boolean {
  return RETRYABLE_RPC_CODES.has(code);
}

export interface Backoff {
  /** First delay; doubles per retry up to `maxMs`. */
  baseMs: number;
  maxMs: number;
}

/** The wait before retry number `attempt` (1 for the first retry), at least the server's Retry-After. */
export function backoffMs(backoff: Backoff, attempt: number, retryAfterMs: number | undefined): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
  // Equal jitter: half fixed, half random, so clients that failed together retry apart.
  const jittered = exponential / 2 + (Math.random() * exponential) / 2;
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
}
