import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { DEFAULT_MAX_DELIVERIES, type QueuePayload } from '../queueDriver.js';

/**
 * What travels with a queue message besides its payload, as headers: JetStream knows neither a
 * per-message delivery budget nor deliveries spent before a message was republished.
 */
export interface Envelope {
  /** The payload's JSON bytes, as published. */
  data: Uint8Array;
  maxAttempts: number;
  /** Epoch milliseconds of the first publish, kept through delays, releases and redrives. */
  enqueuedAt: number;
  /** Deliveries spent before this stream message existed: a released message carries its count on. */
  spent: number;
}

const MAX_ATTEMPTS = 'Trace-Max-Attempts';
const ENQUEUED_AT = 'Trace-Enqueued-At';
const SPENT = 'Trace-Spent-Deliveries';
const VISIBLE_AT = 'Trace-Visible-At';

/** Headers of a message; `visibleAt` (epoch ms) only while it waits in the delayed stream. */
export function envelopeHeaders(envelope: Envelope, visibleAt?: number): MsgHdrs {
  const h = headers();
  h.set(MAX_ATTEMPTS, String(envelope.maxAttempts));
  h.set(ENQUEUED_AT, String(envelope.enqueuedAt));
  if (envelope.spent > 0) h.set(SPENT, String(envelope.spent));
  if (visibleAt !== undefined) h.set(VISIBLE_AT, String(visibleAt));
  return h;
}

function numberHeader(h: MsgHdrs | undefined, key: string, fallback: number): number {
  const value = Number(h?.get(key) || Number.NaN);
  return Number.isFinite(value) ? value : fallback;
}

/** Reads a stored or delivered message back (the driver always writes the headers; the fallbacks are for a message published by hand). */
export function readEnvelope(h: MsgHdrs | undefined, data: Uint8Array, storedAt: number): Envelope {
  return {
    data,
    maxAttempts: numberHeader(h, MAX_ATTEMPTS, DEFAULT_MAX_DELIVERIES),
    enqueuedAt: numberHeader(h, ENQUEUED_AT, storedAt),
    spent: numberHeader(h, SPENT, 0),
  };
}

/** When a delayed message is due (epoch ms); at once when it says nothing. */
export function visibleAt(h: MsgHdrs | undefined): number {
  return numberHeader(h, VISIBLE_AT, 0);
}

export function encodePayload(payload: QueuePayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(payload));
}

export function decodePayload(data: Uint8Array): QueuePayload {
  return JSON.parse(new TextDecoder().decode(data)) as QueuePayload;
}
