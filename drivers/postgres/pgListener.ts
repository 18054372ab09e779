import type pg from 'pg';

type Handler = (payload: string) => void;

/**
 * One dedicated LISTEN connection shared by every subscriber in a process. It connects on the first
 * subscription and, when the connection drops, reconnects on the next subscription or wait; the
 * callers poll as a fallback, so a notification lost while disconnected only costs latency.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private closed = false;

  constructor(private readonly connect: () => pg.Client) {}

  /** Subscribes to a channel; resolves once the LISTEN is in place. Returns the unsubscribe function. */
  async subscribe(channel: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    const isNew = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    const client = await this.ready();
    if (isNew && client) await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`).catch(() => this.drop());
    return () => {
      set.delete(handler);
    };
  }

  /** Connects (again, after a drop) and re-subscribes every channel; undefined when the server is unreachable. */
  async ready(): Promise<pg.Client | undefined> {
    if (this.closed) return undefined;
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = this.connect();
      client.on('notification', (msg) => {
        for (const handler of this.handlers.get(msg.channel) ?? []) handler(msg.payload ?? '');
      });
      client.on('error', () => this.drop());
      client.on('end', () => this.drop());
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      return client;
    })();
    try {
      this.client = await this.connecting;
      if (this.closed) {
        await this.client.end().catch(() => undefined);
        this.client = undefined;
      }
      return this.client;
    } catch {
      return undefined;
    } finally {
      this.connecting = undefined;
    }
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
