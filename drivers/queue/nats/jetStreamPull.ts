import { createInbox, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

/** One message handed out by a consumer: this delivery of it, and the subject to answer it on. */
export interface JetStreamDelivery {
  /** The ack subject; it names this very delivery (stream, consumer, delivery count, sequences). */
  reply: string;
  /** Times the consumer delivered the message, this time included (JetStream counts them). */
  deliveryCount: number;
  streamSeq: number;
  /** Epoch milliseconds at which the stream stored the message. */
  storedAt: number;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
}

/**
 * A no-wait pull is answered at once, except that nats-server 2.9 drops one now and then without
 * an answer when concurrent pulls race for a consumer's last messages (the request is gone: nothing
 * is delivered for it later). Past this the pull ends with what it got.
 */
const PULL_GUARD_MS = 1_000;
/** The same for an ack, nak or in-progress sent as a request. */
const ANSWER_TIMEOUT_MS = 10_000;
/** Pull status: no message to deliver (404), or the batch ended short of its size (408). */
const NO_MESSAGES = new Set([404, 408]);

/**
 * Reads an ack subject: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ns>.<pending>`,
 * or the same with `<domain>.<account hash>` before the stream on newer servers.
 */
function deliveryOf(reply: string): Pick<JetStreamDelivery, 'deliveryCount' | 'streamSeq' | 'storedAt'> {
  const tokens = reply.split('.');
  const at = tokens.length === 9 ? 4 : 6;
  return {
    deliveryCount: Number(tokens[at]),
    streamSeq: Number(tokens[at + 1]),
    storedAt: Math.floor(Number(tokens[at + 3]) / 1e6),
  };
}

/**
 * Takes up to `max` messages the consumer can deliver right now, in stream order. A raw no-wait
 * pull request: the client's fetch() waits at least a second for a full batch, and receive must
 * return what is there at once.
 */
export async function pullNow(nc: NatsConnection, stream: string, consumer: string, max: number): Promise<JetStreamDelivery[]> {
  const inbox = createInbox();
  const subscription = nc.subscribe(inbox);
  const guard = setTimeout(() => subscription.unsubscribe(), PULL_GUARD_MS);
  nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify({ batch: max, no_wait: true }), { reply: inbox });
  const pulled: JetStreamDelivery[] = [];
  try {
    for await (const msg of subscription) {
      const status = msg.headers?.code ?? 0;
      if (NO_MESSAGES.has(status)) break;
      if (status !== 0) throw new Error(`pull from ${stream}/${consumer} failed: ${status} ${msg.headers?.description ?? ''}`);
      pulled.push({ reply: msg.reply ?? '', ...deliveryOf(msg.reply ?? ''), headers: msg.headers, data: msg.data });
      if (pulled.length >= max) break;
    }
  } finally {
    clearTimeout(guard);
    subscription.unsubscribe();
  }
  return pulled;
}

/** In progress: the delivery's ack wait starts over. */
export const IN_PROGRESS = '+WPI';

/** Negative ack: delivered again after `delaySeconds` (at once for 0), while this delivery stays pending until then. */
export function nak(delaySeconds: number): string {
  return delaySeconds > 0 ? `-NAK ${JSON.stringify({ delay: Math.round(delaySeconds * 1e9) })}` : '-NAK';
}

/**
 * Acknowledges without waiting for a reply (the stream drops the message). Callers first made a
 * lost ack harmless: they won the delivery's fence slot, so the next receiver of the lapsed
 * delivery finds the settlement and acks again, or the republish it follows is idempotent. They
 * flush once per call, not per message.
 */
export function acknowledge(nc: NatsConnection, delivery: Pick<JetStreamDelivery, 'reply'>): void {
  nc.publish(delivery.reply, '+ACK');
}

/** Answers a delivery and waits for the server to confirm it applied the answer. */
export async function answer(nc: NatsConnection, delivery: Pick<JetStreamDelivery, 'reply'>, verb: string): Promise<void> {
  await nc.request(delivery.reply, verb, { timeout: ANSWER_TIMEOUT_MS });
}
