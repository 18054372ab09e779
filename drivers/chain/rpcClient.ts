/**
 * JSON-RPC over HTTP for one named pool of an RPC endpoint: calls go out as JSON-RPC batch arrays
 * of up to `batchSize`, at most `concurrency` HTTP requests in flight and at most `rps` calls a
 * second, with retries and exponential backoff on faults that a retry can cure. The HTTP exchange
 * itself (encoding, timeout, status and body handling) is viem's `getHttpRpcClient`.
 *
 * Defaults: 50-call batches with 4 in flight read blocks with full transactions + receipts from
 * anvil at ~7,500 blocks/s (1 transaction a block) and ~1,800 blocks/s (6 a block), against ~740
 * one call at a time. Batches of 25–100 and 2–8 in flight were within 10% of that: anvil is the
 * bottleneck (a bare fetch loop reached 2,135 blocks/s on the 6-transaction chain).
 *
 * Retried: timeouts, dropped connections, HTTP 408/425/429/5xx (honouring Retry-After), bodies
 * that are not JSON, batch answers with fewer entries than calls (viem's client rejects those
 * whole, so the whole batch is re-sent), and entries without a usable answer (missing id, neither
 * result nor error: only those calls are re-sent). JSON-RPC error objects are the node's answer and
 * fail the call at once, except -32005 "limit exceeded" (EIP-1474), which is rate limiting.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { HttpRequestError, ResponseBodyTooLargeError, RpcRequestError, TimeoutError } from 'viem';
import { getHttpRpcClient, type HttpRpcClient } from 'viem/utils';
import { RateLimiter, Semaphore } from './rpcLimits.js';
import type { ChainRpcMethod, RpcCall, RpcParams, RpcResult } from './rpcSchema.js';

export interface RpcPoolOptions {
  /** PgPool name, used in errors and metrics. */
  name: string;
  /** http(s) URL of the JSON-RPC endpoint. */
  url: string;
  /** HTTP requests in flight at once; default 4. */
  concurrency?: number;
  /** JSON-RPC calls per second (each call of a batch counts); default unlimited. */
  rps?: number;
  /** Calls per JSON-RPC batch request; default 50. */
  batchSize?: number;
  /** Per HTTP request, body included; default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 8 (~11 s of backoff in all at the default delays). */
  maxRetries?: number;
  /** First backoff delay; doubles per retry up to `backoffMaxMs`. Default 100 ms. */
  backoffBaseMs?: number;
  /** Default 5 s. */
  backoffMaxMs?: number;
  /** Larger responses fail (not retried); default 256 MiB, ~25× a 50-block batch of full mainnet blocks. */
  maxResponseBytes?: number;
}

export const RPC_POOL_DEFAULTS = {
  concurrency: 4,
  batchSize: 50,
  timeoutMs: 30_000,
  maxRetries: 8,
  backoffBaseMs: 100,
  backoffMaxMs: 5_000,
  maxResponseBytes: 256 * 1024 * 1024,
} as const;

/** Longest Retry-After honoured; a server asking for more gets retried after this. */
const MAX_RETRY_AFTER_MS = 60_000;
const RETRYABLE_HTTP_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
/** JSON-RPC error codes that mean "try again later" rather than "no". */
const RETRYABLE_RPC_CODES = new Set([-32005]);

/** Why an attempt failed. `rpc` is a JSON-RPC error object from the node. */
export type RpcFaultKind = 'timeout' | 'connection' | 'http' | 'malformed' | 'rpc';

export interface RpcPoolMetrics {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** JSON-RPC calls sent, re-sent calls included. */
  calls: number;
  /** HTTP requests that re-sent calls after a fault. */
  retries: number;
  /** `call`/`batch` rejections: retries exhausted, or a fault no retry cures. */
  errors: number;
  /** Failed attempts by cause (one per HTTP request that needed a retry or failed). */
  faults: Record<RpcFaultKind, number>;
  inFlight: number;
  maxInFlight: number;
}

/** A failed call or batch, naming the pool and the method. */
export class RpcError extends Error {
  override readonly name = 'RpcError';

  constructor(
    message: string,
    readonly pool: string,
    readonly method: string,
    readonly kind: RpcFaultKind,
    readonly attempts: number,
    /** JSON-RPC error code (kind `rpc`) or HTTP status (kind `http`). */
    readonly code?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface RpcRequestOptions {
  signal?: AbortSignal;
}

/** A call as the wire sees it; the typed `RpcCall<M>` of the public methods is one of these. */
interface WireCall {
  method: string;
  params: unknown;
}

interface Fault {
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
interface ResponseEntry {
  id?: unknown;
  result?: unknown;
  error?: unknown;
}

export class RpcPool {
  /** As configured: enough to build the same pool in another thread. */
  readonly options: RpcPoolOptions;
  readonly name: string;
  readonly url: string;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly rps: number | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly http: HttpRpcClient;
  private readonly semaphore: Semaphore;
  private readonly limiter: RateLimiter | undefined;
  private nextId = 1;
  private readonly counters: RpcPoolMetrics = {
    requests: 0,
    calls: 0,
    retries: 0,
    errors: 0,
    faults: { timeout: 0, connection: 0, http: 0, malformed: 0, rpc: 0 },
    inFlight: 0,
    maxInFlight: 0,
  };

  constructor(options: RpcPoolOptions) {
    this.options = { ...options };
    this.name = options.name;
    this.url = options.url;
    this.concurrency = positiveInteger('concurrency', options.concurrency ?? RPC_POOL_DEFAULTS.concurrency);
    this.batchSize = positiveInteger('batchSize', options.batchSize ?? RPC_POOL_DEFAULTS.batchSize);
    this.timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? RPC_POOL_DEFAULTS.timeoutMs);
    this.maxRetries = nonNegativeInteger('maxRetries', options.maxRetries ?? RPC_POOL_DEFAULTS.maxRetries);
    this.backoffBaseMs = nonNegativeInteger('backoffBaseMs', options.backoffBaseMs ?? RPC_POOL_DEFAULTS.backoffBaseMs);
    this.backoffMaxMs = nonNegativeInteger('backoffMaxMs', options.backoffMaxMs ?? RPC_POOL_DEFAULTS.backoffMaxMs);
    this.rps = options.rps;
    this.semaphore = new Semaphore(this.concurrency);
    this.limiter = options.rps === undefined ? undefined : new RateLimiter(options.rps);
    this.http = getHttpRpcClient(options.url, {
      timeout: this.timeoutMs,
      maxResponseBodySize: positiveInteger('maxResponseBytes', options.maxResponseBytes ?? RPC_POOL_DEFAULTS.maxResponseBytes),
    });
  }

  /** One call, sent on its own (not as a batch array). */
  async call<M extends ChainRpcMethod>(method: M, params: RpcParams<M>, options: RpcRequestOptions = {}): Promise<RpcResult<M>> {
    const calls: RpcCall<M>[] = [{ method, params }];
    const [result] = await this.run(calls, options.signal, (signal) => this.semaphore.use(() => this.send(calls, true, signal)));
    return result as RpcResult<M>;
  }

  /**
   * Results in the order of `calls`, sent as batches of the pool's batch size, as many in flight as
   * the pool allows. The first failure rejects the whole batch and cancels its other requests.
   */
  async batch<M extends ChainRpcMethod>(calls: readonly RpcCall<M>[], options: RpcRequestOptions = {}): Promise<RpcResult<M>[]> {
    const chunks: RpcCall<M>[][] = [];
    for (let i = 0; i < calls.length; i += this.batchSize) chunks.push(calls.slice(i, i + this.batchSize));
    const parts = await this.run(calls, options.signal, (signal) =>
      Promise.all(chunks.map((chunk) => this.semaphore.use(() => this.send(chunk, false, signal)))),
    );
    return parts.flat() as RpcResult<M>[];
  }

  metrics(): RpcPoolMetrics {
    return { ...this.counters, faults: { ...this.counters.faults } };
  }

  /** Runs `work` with a signal that also fires on the caller's; counts a rejection as an error. */
  private async run<T>(calls: readonly WireCall[], signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const siblings = new AbortController();
    const combined = signal ? AbortSignal.any([signal, siblings.signal]) : siblings.signal;
    try {
      return await work(combined);
    } catch (err) {
      siblings.abort();
      if (signal?.aborted) throw signal.reason;
      this.counters.errors++;
      if (err instanceof RpcError) throw err;
      throw new RpcError(`rpc pool "${this.name}": ${describeCalls(calls)} failed: ${errorText(err)}`, this.name, methodsOf(calls), 'connection', 0, undefined, { cause: err });
    }
  }

  /**
   * Sends `calls` as one request, then re-sends the calls still without an answer until done. The
   * caller holds a concurrency slot throughout, backoff included: a struggling node gets fewer
   * requests while it struggles, not more.
   */
  private async send(calls: readonly WireCall[], single: boolean, signal: AbortSignal): Promise<unknown[]> {
    const results = new Array<unknown>(calls.length);
    let pending = calls.map((_, index) => index);
    for (let attempt = 1; ; attempt++) {
      const { retry, fault } = await this.attempt(calls, pending, single, results, signal);
      if (fault === undefined) return results;
      this.counters.faults[fault.kind]++;
      if (!fault.retryable || attempt > this.maxRetries) throw this.failure(calls, fault, attempt);
      pending = retry;
      await delay(this.backoffMs(attempt, fault.retryAfterMs), undefined, { signal });
      this.counters.retries++;
    }
  }

  private async attempt(
    calls: readonly WireCall[],
    pending: readonly number[],
    single: boolean,
    results: unknown[],
    signal: AbortSignal,
  ): Promise<{ retry: number[]; fault?: Fault }> {
    signal.throwIfAborted();
    const ids = pending.map(() => this.nextId++);
    const body = pending.map((index, k) => ({ jsonrpc: '2.0' as const, id: ids[k]!, method: calls[index]!.method, params: calls[index]!.params }));
    await this.limiter?.take(body.length, signal);
    signal.throwIfAborted();
    this.counters.requests++;
    this.counters.calls += body.length;
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    let response: unknown;
    try {
      response = await this.http.request({ body: single ? body[0]! : body, fetchOptions: { signal } });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      return { retry: [...pending], fault: transportFault(err) };
    } finally {
      this.counters.inFlight--;
    }

    const entries = new Map<unknown, ResponseEntry>();
    for (const entry of Array.isArray(response) ? response : [response]) {
      if (isObject(entry)) entries.set(entry.id, entry);
    }
    const retry: number[] = [];
    let fault: Fault | undefined;
    for (const [k, index] of pending.entries()) {
      const entry = entries.get(ids[k]);
      const problem = entryFault(entry, calls[index]!);
      if (problem === undefined) results[index] = entry!.result;
      else if (!problem.retryable) return { retry: [], fault: problem };
      else {
        retry.push(index);
        fault ??= problem;
      }
    }
    return fault === undefined ? { retry } : { retry, fault };
  }

  private backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    const exponential = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
    // Equal jitter: half fixed, half random, so clients that failed together retry apart.
    const jittered = exponential / 2 + (Math.random() * exponential) / 2;
    return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
  }

  private failure(calls: readonly WireCall[], fault: Fault, attempts: number): RpcError {
    const subject = fault.call ? describeCall(fault.call) : describeCalls(calls);
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    return new RpcError(
      `rpc pool "${this.name}": ${subject} failed${tries}: ${fault.detail}`,
      this.name,
      fault.call ? fault.call.method : methodsOf(calls),
      fault.kind,
      attempts,
      fault.code,
      { cause: fault.cause },
    );
  }
}

/** What is wrong with one response entry, or undefined if it carries a result. */
function entryFault(entry: ResponseEntry | undefined, call: WireCall): Fault | undefined {
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
      retryable: RETRYABLE_RPC_CODES.has(error.code),
      call,
      code: error.code,
    };
  }
  if (!('result' in entry)) return { kind: 'malformed', detail: 'malformed response: neither result nor error', retryable: true, call };
  return undefined;
}

/** Classifies an exception from viem's HTTP client. */
function transportFault(err: unknown): Fault {
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
      retryable: (status !== undefined && RETRYABLE_HTTP_STATUS.has(status)) || RETRYABLE_RPC_CODES.has(err.code),
      code: status ?? err.code,
      cause: err,
    };
    return withRetryAfter(fault, err.headers);
  }
  if (err instanceof HttpRequestError) {
    if (err.status !== undefined) {
      const fault: Fault = { kind: 'http', detail: `HTTP ${err.status}`, retryable: RETRYABLE_HTTP_STATUS.has(err.status), code: err.status, cause: err };
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${errorText(err.cause)}` : '';
  return `${err.message}${typeof code === 'string' ? ` (${code})` : ''}${cause}`;
}

function clip(text: string | undefined, max = 200): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeCall(call: WireCall): string {
  return `${call.method} ${clip(JSON.stringify(call.params ?? []))}`;
}

function methodsOf(calls: readonly WireCall[]): string {
  return [...new Set(calls.map((call) => call.method))].join('+');
}

function describeCalls(calls: readonly WireCall[]): string {
  return calls.length === 1 ? describeCall(calls[0]!) : `${methodsOf(calls)} (batch of ${calls.length})`;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
