/**
 * What went wrong with one JSON-RPC attempt: an exception from viem's HTTP client (the whole
 * request failed) or a response entry without a usable answer (that call failed), classified by
 * kind and by whether a retry can cure it.
 */
import { HttpRequestError, ResponseBodyTooLargeError, RpcRequestError, TimeoutError } from 'viem';
import { clip, errorText, type RpcFaultKind, type WireCall } from './rpcError.js';
import { isRetryableRpcCode, isRetryableStatus } from './rpcRetry.js';

export interface Fault {
  kind: RpcFaultKind;
  detail: string;
  retryable: boolean;
  /** The call the fault is about, when it is about one call of the batch. */
  call?: WireCall;
  code?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/** One JSON-RPC response entry, as far as it has been checked. */
export interface ResponseEntry {
  id?: unknown;
  result?: unknown;
  error?: unknown;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What is wrong with one response entry, or undefined if it carries a result. A missing entry, or
 * one with neither result nor error, is malformed and retried: only that call is re-sent.
 */
export function entryFault(entry: ResponseEntry | undefined, call: WireCall): Fault | undefined {
  if (entry === undefined) return { kind: 'malformed', detail: 'malformed response: no entry with its id', retryable: true, call };
  if (entry.error !== undefined && entry.error !== null) {
    const { error } = entry;
    if (!isObject(error) || typeof error.code !== 'number' || typeof error.message !== 'string') {
      return { kind: 'malformed', detail: `malformed response: error is not a JSON-RPC error object: ${clip(JSON.stringify(error))}`, retryable: true, call };
    }
    const data = error.data === undefined ? '' : ` (data: ${clip(JSON.stringify(error.data))})`;
    return {
      kind: 'rpc',
      detail: `JSON-RPC error ${error.code}: ${error.message}${data}`,
      retryable: isRetryableRpcCode(error.code),
      call,
      code: error.code,
    };
  }
  if (!('result' in entry)) return { kind: 'malformed', detail: 'malformed response: neither result nor error', retryable: true, call };
  return undefined;
}

/**
 * Classifies an exception from viem's HTTP client. A batch answered with fewer entries than calls
 * is rejected whole by viem, so the whole batch is re-sent.
 */
export function transportFault(err: unknown): Fault {
  if (err instanceof TimeoutError) return { kind: 'timeout', detail: 'request timed out', retryable: true, cause: err };
  if (err instanceof ResponseBodyTooLargeError) {
    return {
      kind: 'http',
      detail: `response of ${err.size} bytes exceeds the ${err.maxSize}-byte limit; lower the pool's batch size`,
      retryable: false,
      cause: err,
    };
  }
  if (err instanceof RpcRequestError) {
    // A JSON-RPC error object in a non-2xx response: the status decides whether to retry.
    const status = err.status;
    const fault: Fault = {
      kind: status === undefined ? 'rpc' : 'http',
      detail: `${status === undefined ? '' : `HTTP ${status}, `}JSON-RPC error ${err.code}: ${err.details}`,
      retryable: (status !== undefined && isRetryableStatus(status)) || isRetryableRpcCode(err.code),
      code: status ?? err.code,
      cause: err,
    };
    return withRetryAfter(fault, err.headers);
  }
  if (err instanceof HttpRequestError) {
    if (err.status !== undefined) {
      const fault: Fault = { kind: 'http', detail: `HTTP ${err.status}`, retryable: isRetryableStatus(err.status), code: err.status, cause: err };
      return withRetryAfter(fault, err.headers);
    }
    const cause = err.cause;
    // viem wraps a body that is not JSON (SyntaxError) and a batch answered with fewer entries.
    if (cause instanceof SyntaxError || (cause instanceof Error && cause.message.startsWith('Expected '))) {
      return { kind: 'malformed', detail: `malformed response: ${cause.message}`, retryable: true, cause: err };
    }
    return { kind: 'connection', detail: `connection failed: ${errorText(cause ?? err)}`, retryable: true, cause: err };
  }
  return { kind: 'connection', detail: errorText(err), retryable: true, cause: err };
}

/** Adds the server's Retry-After (seconds or an HTTP date) to a fault. */
function withRetryAfter(fault: Fault, headers: Headers | undefined): Fault {
  const value = headers?.get('retry-after');
  if (!value) return fault;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isNaN(ms) ? fault : { ...fault, retryAfterMs: Math.max(0, ms) };
}
