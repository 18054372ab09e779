/**
 * One JSON-RPC request over HTTP: the calls still without an answer go out as one JSON-RPC batch
 * array (or a single call object), under fresh ids, after the rate limit allows them; the answers
 * are matched back by id. The HTTP exchange itself (encoding, timeout, status and body handling)
 * is viem's `getHttpRpcClient`.
 */
import { getHttpRpcClient, type HttpRpcClient } from 'viem/utils';
import type { WireCall } from './rpcError.js';
import { entryFault, isObject, transportFault, type Fault, type ResponseEntry } from './rpcFaults.js';
import type { RateLimiter } from './rpcLimits.js';

export interface TransportOptions {
  url: string;
  /** Per HTTP request, body included. */
  timeoutMs: number;
  /** Larger responses fail (not retried). */
  maxResponseBytes: number;
  /** Calls a second, when limited. */
  limiter: RateLimiter | undefined;
}

/** What the transport counts. */
export interface TransportMetrics {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** JSON-RPC calls sent, re-sent calls included. */
  calls: number;
  inFlight: number;
  maxInFlight: number;
}

/** The outcome of one request: the calls to send again, and the first fault met (none: all answered). */
export interface AttemptOutcome {
  retry: number[];
  fault?: Fault;
}

export class RpcTransport {
  private readonly http: HttpRpcClient;
  private readonly limiter: RateLimiter | undefined;
  private nextId = 1;
  private readonly counters: TransportMetrics = { requests: 0, calls: 0, inFlight: 0, maxInFlight: 0 };

  constructor(options: TransportOptions) {
    this.limiter = options.limiter;
    this.http = getHttpRpcClient(options.url, { timeout: options.timeoutMs, maxResponseBodySize: options.maxResponseBytes });
  }

  metrics(): TransportMetrics {
    return { ...this.counters };
  }

  /**
   * Sends `calls[i]` for every i of `pending` as one request (`single`: a call object, not a batch
   * array) and stores each answer in `results[i]`. A fault no retry cures ends the attempt at once;
   * retryable ones leave their calls in `retry`.
   */
  async attempt(calls: readonly WireCall[], pending: readonly number[], single: boolean, results: unknown[], signal: AbortSignal): Promise<AttemptOutcome> {
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
}
