/**
 * A loopback HTTP proxy in front of an S3 endpoint that injects faults on a seeded schedule, as
 * drivers/chain/rpcFaultProxy.ts does for JSON-RPC: a PUT slowed down, a 500 InternalError or 503
 * SlowDown answered instead of the server's (PUT, POST, GET, HEAD, list), and a PUT that the server
 * stores but whose answer the client never gets (its connection reset), alone or followed by 503s
 * for every retry of that key, so the client gives the put up although the object is there.
 * Requests are forwarded byte for byte with their Host header, so Signature V4 still verifies.
 * Counts what it saw; `trace-lite chaos` points the services' S3 endpoint at it.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { seededRandom } from '../../runtime/seededRandom.js';
import { listenOnLoopback } from '../loopbackListen.js';

/** What a request is to S3 (path-style addressing). */
export type S3Operation = 'put' | 'post' | 'get' | 'head' | 'list' | 'delete';

export type S3Fault =
  /** Forward after `ms`: a slow server (a client timeout when `ms` exceeds it). */
  | { kind: 'delay'; ms: number }
  /** Answer 500 InternalError or 503 SlowDown without forwarding. */
  | { kind: 'status'; status: 500 | 503 }
  /** Forward (the server stores a PUT), then reset the client's connection instead of answering. */
  | { kind: 'dropReply' }
  /**
   * dropReply, then 503 SlowDown for the next `retries` requests to the same key: the client's
   * retries all fail, so it reports the put failed although the server holds the object.
   */
  | { kind: 'lostPut'; retries: number };

export type S3FaultKind = S3Fault['kind'];

export interface S3FaultSchedule {
  /** Each request of `operations` gets a fault with `probability`, drawn (kind too) from a PRNG seeded with `seed`. */
  seed: number;
  probability: number;
  faults: readonly S3Fault[];
  operations: readonly S3Operation[];
  /** Stop injecting after this many faults (default unlimited). */
  maxFaults?: number;
}

export interface S3FaultProxyCounters {
  /** HTTP requests received. */
  requests: number;
  /** Requests answered with the server's own response. */
  forwarded: number;
  faults: Record<S3FaultKind, number>;
  /** Retries of a lost put's key answered 503. */
  lostPutRetries: number;
}

export interface S3FaultProxy {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  counters(): S3FaultProxyCounters;
  /** Replaces the schedule (and restarts its PRNG); undefined forwards everything untouched. */
  setSchedule(schedule: S3FaultSchedule | undefined): void;
  stop(): Promise<void>;
}

/** The S3 error document a real server sends with a 5xx. */
const ERROR_CODES: Record<500 | 503, string> = { 500: 'InternalError', 503: 'SlowDown' };

/** The operation a path-style request is: a PUT/POST/GET/HEAD of a key, or a bucket listing. */
export function s3Operation(method: string, url: string): S3Operation {
  const { pathname } = new URL(url, 'http://proxy');
  const hasKey = pathname.split('/').filter(Boolean).length > 1;
  if (method === 'GET') return hasKey ? 'get' : 'list';
  if (method === 'PUT') return 'put';
  if (method === 'POST') return 'post';
  if (method === 'HEAD') return 'head';
  return 'delete';
}

export async function startS3FaultProxy(options: { target: string }): Promise<S3FaultProxy> {
  const target = new URL(options.target);
  const counters: S3FaultProxyCounters = { requests: 0, forwarded: 0, faults: { delay: 0, status: 0, dropReply: 0, lostPut: 0 }, lostPutRetries: 0 };
  let schedule: S3FaultSchedule | undefined;
  let random = seededRandom(0);
  /** Faults injected under the current schedule. */
  let injected = 0;
  /** Keys of lost puts → 503s still to answer to their retries. */
  const lostKeys = new Map<string, number>();

  function nextFault(operation: S3Operation): S3Fault | undefined {
    if (schedule === undefined || !schedule.operations.includes(operation) || injected >= (schedule.maxFaults ?? Infinity)) return undefined;
    if (random() >= schedule.probability) return undefined;
    injected++;
    const fault = schedule.faults[Math.floor(random() * schedule.faults.length)];
    // A reset after the server answered only means "stored but unacknowledged" for a write.
    if ((fault?.kind === 'dropReply' || fault?.kind === 'lostPut') && operation !== 'put') return { kind: 'status', status: 503 };
    return fault;
  }

  function answerError(res: ServerResponse, status: 500 | 503, resource: string): void {
    const code = ERROR_CODES[status];
    res.writeHead(status, { 'content-type': 'application/xml', ...(status === 503 ? { 'retry-after': '0' } : {}) });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected ${status}</Message><Resource>${resource}</Resource></Error>`);
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
        answer.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    counters.requests++;
    const operation = s3Operation(req.method ?? 'GET', req.url ?? '/');
    const key = new URL(req.url ?? '/', 'http://proxy').pathname;
    const retriesLeft = lostKeys.get(key);
    if (retriesLeft !== undefined && operation === 'put') {
      if (retriesLeft <= 1) lostKeys.delete(key);
      else lostKeys.set(key, retriesLeft - 1);
      counters.lostPutRetries++;
      answerError(res, 503, key);
      return;
    }
    const fault = nextFault(operation);
    if (fault) counters.faults[fault.kind]++;
    if (fault?.kind === 'status') {
      answerError(res, fault.status, key);
      return;
    }
    if (fault?.kind === 'delay') await delay(fault.ms);
    let answer: Awaited<ReturnType<typeof forward>>;
    try {
      answer = await forward(req, body);
    } catch {
      // The server is down (a fault of another kind): the client sees what a dead server gives it.
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'dropReply' || fault?.kind === 'lostPut') {
      if (fault.kind === 'lostPut') lostKeys.set(key, fault.retries);
      req.socket.destroy();
      return;
    }
    if (fault === undefined || fault.kind === 'delay') counters.forwarded++;
    if (res.destroyed) return; // the client gave up while the request was slowed
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    counters: () => ({ ...counters, faults: { ...counters.faults } }),
    setSchedule(next) {
      schedule = next;
      random = seededRandom(next?.seed ?? 0);
      injected = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
