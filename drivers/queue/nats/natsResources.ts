import { openNatsLink, type LazyNatsLink, type NatsLink } from './natsLink.js';
import { checkName, NatsTopology } from './natsTopology.js';

/**
 * Creates the namespace's streams once and each queue's consumers on first use (both idempotent
 * on the server, so several processes may race). A failure is forgotten so the next call retries.
 */
export class NatsResources {
  private streams: Promise<void> | undefined;
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly link: LazyNatsLink,
    private readonly topology: NatsTopology,
    private readonly ackWaitSeconds: number,
  ) {}

  /** The link, with the namespace's streams in place. */
  async forNamespace(): Promise<NatsLink> {
    const link = await this.link.get();
    if (!this.streams) {
      this.streams = Promise.all(this.topology.streamConfigs().map((config) => link.jsm.streams.add(config))).then(() => undefined);
      this.streams.catch(() => (this.streams = undefined));
    }
    await this.streams;
    return link;
  }

  /** The link, with the queue's streams and consumers in place. */
  async forQueue(queue: string): Promise<NatsLink> {
    checkName('queue name', queue);
    const link = await this.forNamespace();
    let ready = this.queues.get(queue);
    if (!ready) {
      ready = this.createConsumers(link, queue);
      this.queues.set(queue, ready);
      ready.catch(() => this.queues.delete(queue));
    }
    await ready;
    return link;
  }

  /** Forgets what was created, after an error that may mean a stream or consumer went away. */
  forget(queue: string): void {
    this.queues.delete(queue);
    this.streams = undefined;
  }

  private async createConsumers(link: NatsLink, queue: string): Promise<void> {
    const { liveStream, delayedStream } = this.topology;
    await Promise.all([
      link.jsm.consumers.add(liveStream, this.topology.consumerConfig(this.topology.liveSubject(queue), queue, this.ackWaitSeconds)),
      link.jsm.consumers.add(delayedStream, this.topology.consumerConfig(this.topology.delayedSubject(queue), queue, this.ackWaitSeconds)),
    ]);
  }
}

/** Deletes a namespace's streams (tests and benchmarks clean up their own with it). */
export async function dropNatsNamespace(url: string, namespace: string): Promise<void> {
  const topology = new NatsTopology(namespace);
  const link = await openNatsLink(url);
  try {
    for (const { name } of topology.streamConfigs()) await link.jsm.streams.delete(name).catch(() => false);
  } finally {
    await link.nc.close();
  }
}
