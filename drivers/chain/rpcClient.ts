/**
 * The pool of one named RPC endpoint: calls go out as JSON-RPC batch arrays of up to `batchSize`
 * (rpcTransport.ts), at most `concurrency` HTTP requests in flight and at most `rps` calls a second
 * (rpcLimits.ts), with retries and exponential backoff on faults that a retry can cure
 * (rpcRetry.ts, rpcFaults.ts).
 *
 * Defaults: 50-call batches with 4 in flight read blocks with full transactions + receipts from
 * anvil at ~7,500 blocks/s (1 transaction a block) and ~1,800 blocks/s (6 a block), against ~740
 * one call at a time. Batches of 25–100 and 2–8 in flight were within 10% of that: anvil is the
 * bottleneck (a bare fetch loop reached 2,135 blocks/s on the 6-transaction chain).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RpcError, describeCall, describeCalls, errorText, methodsOf, type RpcFaultKind, type WireCall } from './rpcError.js';
import type { Fault } from './rpcFaults.js';
import { RateLimiter, Semaphore } from './rpcLimits.js';
import { backoffMs, type Backoff } from './rpcRetry.js';
import type { ChainRpcMethod, RpcCall, RpcParams, RpcResult } from './rpcSchema.js';
import { RpcTransport, type TransportMetrics } from './rpcTransport.js';

export interface RpcPoolOptions {
  /** The RPC pool's name, used in errors and metrics. */
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

export interface RpcPoolMetrics extends TransportMetrics {
  /** HTTP requests that re-sent calls after a fault. */
  retries: number;
  /** `call`/`batch` rejections: retries exhausted, or a fault no retry cures. */
  errors: number;
  /** Failed attempts by cause (one per HTTP request that needed a retry or failed). */
  faults: Record<RpcFaultKind, number>;
}

export interface RpcRequestOptions {
  signal?: AbortSignal;
}

export class RpcPool {
  /** As configured: enough to build the same pool in another thread. */
  readonly options: RpcPoolOptions;
  readonly name: string;
  readonly url: string;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly rps: number | undefined;
  private readonly maxRetries: number;
  private readonly backoff: Backoff;
  private readonly transport: RpcTransport;
  private readonly semaphore: Semaphore;
  private retries = 0;
  private errors = 0;
  private readonly faults: Record<RpcFaultKind, number> = { timeout: 0, connection: 0, http: 0, malformed: 0, rpc: 0 };

  constructor(options: RpcPoolOptions) {
    this.options = { ...options };
    this.name = options.name;
    this.url = options.url;
    this.concurrency = positiveInteger('concurrency', options.concurrency ?? RPC_POOL_DEFAULTS.concurrency);
    this.batchSize = positiveInteger('batchSize', options.batchSize ?? RPC_POOL_DEFAULTS.batchSize);
    const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? RPC_POOL_DEFAULTS.timeoutMs);
    this.maxRetries = nonNegativeInteger('maxRetries', options.maxRetries ?? RPC_POOL_DEFAULTS.maxRetries);
    this.backoff = {
      baseMs: nonNegativeInteger('backoffBaseMs', options.backoffBaseMs ?? RPC_POOL_DEFAULTS.backoffBaseMs),
      maxMs: nonNegativeInteger('backoffMaxMs', options.backoffMaxMs ?? RPC_POOL_DEFAULTS.backoffMaxMs),
    };
    this.rps = options.rps;
    this.semaphore = new Semaphore(this.concurrency);
    this.transport = new RpcTransport({
      url: options.url,
      timeoutMs,
      maxResponseBytes: positiveInteger('maxResponseBytes', options.maxResponseBytes ?? RPC_POOL_DEFAULTS.maxResponseBytes),
      limiter: options.rps === undefined ? undefined : new RateLimiter(options.rps),
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
    const { requests, calls, inFlight, maxInFlight } = this.transport.metrics();
    return { requests, calls, retries: this.retries, errors: this.errors, faults: { ...this.faults }, inFlight, maxInFlight };
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
      this.errors++;
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
      const { retry, fault } = await this.transport.attempt(calls, pending, single, results, signal);
      if (fault === undefined) return results;
      this.faults[fault.kind]++;
      if (!fault.retryable || attempt > this.maxRetries) throw this.failure(calls, fault, attempt);
      pending = retry;
      await delay(backoffMs(this.backoff, attempt, fault.retryAfterMs), undefined, { signal });
      this.retries++;
    }
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

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
