import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** One connection to a NATS server with JetStream, and the two JetStream APIs on it. */
export interface NatsLink {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Raised when no NATS server with JetStream answers at the configured URL. */
export class NatsUnreachableError extends Error {
  override name = 'NatsUnreachableError';
  constructor(url: string, cause: unknown) {
    super(
      `NATS JetStream is not reachable at ${url} (${cause instanceof Error ? cause.message : String(cause)}): ` +
        'start `nats-server -js` or point TRACE_NATS_URL at a server with JetStream enabled',
      { cause },
    );
  }
}

/** Connects and checks that JetStream answers; the client reconnects by itself after that. */
export async function openNatsLink(url: string): Promise<NatsLink> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, name: 'trace-lite', maxReconnectAttempts: -1 });
  } catch (err) {
    throw new NatsUnreachableError(url, err);
  }
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: true });
    return { nc, js: jetstream(nc), jsm };
  } catch (err) {
    await nc.close();
    throw new NatsUnreachableError(url, err);
  }
}

/**
 * Opens the link on first use, so a node builds its driver synchronously. A failed attempt is
 * forgotten: the next call tries again (the queue consumer backs off between calls).
 */
export class LazyNatsLink {
  private opening: Promise<NatsLink> | undefined;
  private closed = false;

  constructor(readonly url: string) {}

  get(): Promise<NatsLink> {
    if (this.closed) return Promise.reject(new Error('the NATS queue driver is closed'));
    this.opening ??= openNatsLink(this.url).catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = await this.opening?.catch(() => undefined);
    await link?.nc.close();
  }
}
