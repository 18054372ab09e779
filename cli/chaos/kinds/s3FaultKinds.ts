/**
 * S3 faults through the suite's S3 fault proxy (drivers/store/s3FaultProxy.ts), which the services'
 * S3 endpoint points at during this kind: for a window per injection, a seeded share of requests
 * slowed, answered 500 InternalError or 503 SlowDown (PUT, POST, GET, HEAD, list), or PUTs stored by
 * the server whose answer the client never gets (then retried, or, for a lost put, failed after
 * every retry was answered 503: the object stays behind, staged by an attempt that did not commit).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { S3Fault, S3Operation } from '../../../drivers/store/s3FaultProxy.js';
import type { FaultKind } from './faultKind.js';

/**
 * A slow PUT: 2.5 s, well past a staged write's usual 50 ms but inside the client's request timeout
 * (MAX_REQUEST_MS, 120 s: waiting that out would cost two minutes per fault); the answer comes late
 * and the attempt goes on, or its lease work goes on around it.
 */
const SLOW_PUT_MS = 2_500;
/** The SDK makes 5 attempts per request (s3ObjectStore.ts): 4 retries answered 503 fail the put. */
const LOST_PUT_RETRIES = 4;
const FAULTS: readonly S3Fault[] = [
  { kind: 'delay', ms: SLOW_PUT_MS },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'dropReply' },
  { kind: 'lostPut', retries: LOST_PUT_RETRIES },
];
const OPERATIONS: readonly S3Operation[] = ['put', 'post', 'get', 'head', 'list'];
/** A window of 3 s at 40 %: a sync stages ~2 objects a range (file and manifest), a few dozen per window. */
const WINDOW_MS = 3_000;
const FAULT_PROBABILITY = 0.4;

export const s3Faults: FaultKind = {
  name: 's3_faults',
  summary: 'S3 faults: slow PUTs, 500/503 SlowDown on PUT/GET/HEAD/list, a PUT stored but unacknowledged (retried, or failed for good)',
  s3ThroughFaultProxy: true,
  async inject(ctx) {
    const before = ctx.s3Proxy.counters();
    ctx.s3Proxy.setSchedule({ seed: Math.floor(ctx.random() * 2 ** 32), probability: FAULT_PROBABILITY, faults: FAULTS, operations: OPERATIONS });
    await delay(WINDOW_MS);
    ctx.s3Proxy.setSchedule(undefined);
    const after = ctx.s3Proxy.counters();
    const injected = Object.entries(after.faults)
      .map(([kind, n]) => [kind, n - before.faults[kind as keyof typeof before.faults]] as const)
      .filter(([, n]) => n > 0);
    const retries = after.lostPutRetries - before.lostPutRetries;
    return `for ${WINDOW_MS / 1000} s: ${injected.map(([kind, n]) => `${n} ${kind}`).join(', ') || 'no request came'}${retries > 0 ? ` (${retries} retries of lost puts answered 503)` : ''}`;
  },
};
