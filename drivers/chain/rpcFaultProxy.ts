/**
 * A loopback HTTP proxy in front of a JSON-RPC endpoint that injects faults on a deterministic
 * schedule: every Nth request, or a seeded pseudo-random fraction of requests. Counts what it saw
 * (requests, JSON-RPC calls, faults by kind, requests in flight) so tests can check retries,
 * batching and concurrency limits from the outside, and `trace-lite chaos` runs chain syncs through it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { seededRandom } from '../../runtime/seededRandom.js';
import { listenOnLoopback } from '../loopbackListen.js';

export type RpcFault =
  /** Close the connection without answering. */
  | { kind: 'drop' }
  /** Answer with this HTTP status and a text body (429 adds `Retry-After: 0`). */
  | { kind: 'status'; status: number }
  /** Forward after `ms`: a slow node, or a timeout when `ms` exceeds the client's. */
  | { kind: 'delay'; ms: number }
  /** 200 with the node's answer cut in half: not JSON. */
  | { kind: 'malformedJson' }
  /**
   * 200 with valid JSON missing answers: a batch loses its second half (at least one entry); a
   * single call's answer loses its `result`.
   */
  | { kind: 'truncateBatch' }
  /** 200 with every entry present but the second half of a batch's entries (at least one) lacking `result`. */
  | { kind: 'corruptEntries' }
  /** 200 with a JSON-RPC error object for every call of the request (e.g. -32005 "limit exceeded"). */
  | { kind: 'rpcError'; code: number; message: string }
  /** eth_getBlockByNumber calls answered with the next block's body: a lagging or lying node. */
  | { kind: 'wrongBlock' };

export type RpcFaultKind = RpcFault['kind'];

export type FaultSchedule =
  /** Requests number `every`, 2·`every`, … (1-based) get the faults in turn. */
  | { every: number; faults: readonly RpcFault[] }
  /** Each request gets a fault with `probability`, drawn (kind too) from a PRNG seeded with `seed`. */
  | { seed: number; probability: number; faults: readonly RpcFault[] };

export interface FaultProxyOptions {
  /** The JSON-RPC endpoint to forward to. */
  target: string;
  schedule?: FaultSchedule;
  /** Stop injecting after this many faults (default unlimited). */
  maxFaults?: number;
  /** Delay every forwarded request by this much (makes concurrency observable). */
  latencyMs?: number;
}

export interface FaultProxyCounters {
  /** HTTP requests received. */
  requests: number;
  /** JSON-RPC calls received (a batch counts its entries). */
  calls: number;
  /** Entries of every batch request, in arrival order (a single call is not listed). */
  batchSizes: number[];
  /** Requests answered with the node's own response. */
  forwarded: number;
  faults: Record<RpcFaultKind, number>;
  inFlight: number;
  maxInFlight: number;
}

export interface RpcFaultProxy {
  readonly url: string;
  counters(): FaultProxyCounters;
  /** Replaces the schedule (and restarts its request count and PRNG). */
  setSchedule(schedule: FaultSchedule | undefined, options?: { maxFaults?: number; latencyMs?: number }): void;
  stop(): Promise<void>;
}

class FaultPlan {
  private seen = 0;
  private injected = 0;
  private readonly random: () => number;

  constructor(
    private readonly schedule: FaultSchedule | undefined,
    private readonly maxFaults: number,
  ) {
    this.random = seededRandom(schedule && 'seed' in schedule ? schedule.seed : 0);
  }

  /** The fault for the next request, if any. */
  next(): RpcFault | undefined {
    const n = ++this.seen;
    const { schedule } = this;
    if (schedule === undefined || schedule.faults.length === 0 || this.injected >= this.maxFaults) return undefined;
    let fault: RpcFault | undefined;
    if ('every' in schedule) {
      if (n % schedule.every === 0) fault = schedule.faults[(n / schedule.every - 1) % schedule.faults.length];
    } else if (this.random() < schedule.probability) {
      fault = schedule.faults[Math.floor(this.random() * schedule.faults.length)];
    }
    if (fault) this.injected++;
    return fault;
  }
}

export async function startRpcFaultProxy(options: FaultProxyOptions): Promise<RpcFaultProxy> {
  const counters: FaultProxyCounters = {
    requests: 0,
    calls: 0,
    batchSizes: [],
    forwarded: 0,
    faults: { drop: 0, status: 0, delay: 0, malformedJson: 0, truncateBatch: 0, corruptEntries: 0, rpcError: 0, wrongBlock: 0 },
    inFlight: 0,
    maxInFlight: 0,
  };
  let plan = new FaultPlan(options.schedule, options.maxFaults ?? Infinity);
  let latencyMs = options.latencyMs ?? 0;

  async function forward(body: string): Promise<{ status: number; text: string }> {
    const response = await fetch(options.target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, text: await response.text() };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    counters.requests++;
    const parsed: unknown = JSON.parse(body);
    const isBatch = Array.isArray(parsed);
    counters.calls += isBatch ? parsed.length : 1;
    if (isBatch) counters.batchSizes.push(parsed.length);

    const fault = plan.next();
    if (fault) counters.faults[fault.kind]++;
    if (latencyMs > 0) await delay(latencyMs);
    switch (fault?.kind) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/plain', ...(fault.status === 429 ? { 'retry-after': '0' } : {}) });
        res.end(`injected ${fault.status}`);
        return;
      case 'delay':
        await delay(fault.ms);
        break;
      case 'rpcError': {
        const error = (id: unknown): object => ({ jsonrpc: '2.0', id, error: { code: fault.code, message: fault.message } });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(isBatch ? parsed.map((call: { id?: unknown }) => error(call.id)) : error((parsed as { id?: unknown }).id)));
        return;
      }
      default:
        break;
    }
    const answer = await forward(fault?.kind === 'wrongBlock' ? askNextBlock(parsed) : body);
    let text = answer.text;
    if (fault?.kind === 'malformedJson') text = text.slice(0, Math.floor(text.length / 2));
    if (fault?.kind === 'truncateBatch') text = truncate(text);
    if (fault?.kind === 'corruptEntries') text = corruptEntries(text);
    if (fault === undefined || fault.kind === 'delay') counters.forwarded++;
    if (res.destroyed) return; // the client gave up (timeout) while we waited
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(text);
  }

  const server: Server = createServer((req, res) => {
    counters.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    res.on('close', () => counters.inFlight--);
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    counters: () => ({ ...counters, batchSizes: [...counters.batchSizes], faults: { ...counters.faults } }),
    setSchedule(schedule, next = {}) {
      plan = new FaultPlan(schedule, next.maxFaults ?? Infinity);
      latencyMs = next.latencyMs ?? latencyMs;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

interface RpcCall {
  method?: unknown;
  params?: unknown;
}

/** The request with every eth_getBlockByNumber asking for the block after the one it names. */
function askNextBlock(parsed: unknown): string {
  const shift = (call: RpcCall): RpcCall => {
    const params = Array.isArray(call.params) ? call.params : [];
    if (call.method !== 'eth_getBlockByNumber' || typeof params[0] !== 'string' || !params[0].startsWith('0x')) return call;
    return { ...call, params: [`0x${(BigInt(params[0]) + 1n).toString(16)}`, ...params.slice(1)] };
  };
  return JSON.stringify(Array.isArray(parsed) ? (parsed as RpcCall[]).map(shift) : shift(parsed as RpcCall));
}

/** The answer with `result` removed from the second half of a batch's entries (a single answer: from it). */
function corruptEntries(text: string): string {
  const answer: unknown = JSON.parse(text);
  const entries = (Array.isArray(answer) ? answer : [answer]) as Record<string, unknown>[];
  const corrupted = entries.map((entry, i) => (i >= Math.floor(entries.length / 2) ? withoutResult(entry) : entry));
  return JSON.stringify(Array.isArray(answer) ? corrupted : corrupted[0]);
}

function withoutResult(entry: Record<string, unknown>): Record<string, unknown> {
  const { result: _dropped, ...rest } = entry;
  return rest;
}

/** A batch answer without its second half, or a single answer without its result. */
function truncate(text: string): string {
  const answer: unknown = JSON.parse(text);
  if (Array.isArray(answer)) return JSON.stringify(answer.slice(0, Math.floor(answer.length / 2)));
  if (typeof answer === 'object' && answer !== null) return JSON.stringify(withoutResult(answer as Record<string, unknown>));
  return text;
}
