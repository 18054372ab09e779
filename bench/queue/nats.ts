/**
 * The NATS JetStream driver on a namespace of its own, measured with pgqueue's workload through
 * the same QueueDriver calls (DriverSubject); its figures go under `nats.*` beside `pgqueue.*`.
 */
import { NatsQueueDriver } from '../../drivers/queue/nats/natsQueueDriver.js';
import { dropNatsNamespace } from '../../drivers/queue/nats/natsResources.js';
import type { Cleanups } from './database.js';
import { DriverSubject, VISIBILITY_SECONDS } from './driverSubject.js';

export class NatsQueueSubject extends DriverSubject {
  readonly name = 'nats';

  /** Connects and creates the streams before any round; an unreachable server fails here, naming the URL. */
  static async create(url: string, namespace: string, cleanups: Cleanups): Promise<NatsQueueSubject> {
    // The ack wait is the bench's visibility, so receives use JetStream's own timer, as a node's do.
    const driver = new NatsQueueDriver({ url, namespace, visibilitySeconds: VISIBILITY_SECONDS });
    cleanups.add('drop nats namespace', () => dropNatsNamespace(url, namespace));
    cleanups.add('close nats driver', () => driver.close());
    const subject = new NatsQueueSubject(driver);
    await subject.warmUp();
    return subject;
  }

  /** Nothing to vacuum: an acked message leaves the work-queue stream at once. */
  async settle(): Promise<void> {}

  /** JetStream writes no Postgres WAL; the WAL figure is left out of `nats.*`. */
  readonly wal = undefined;
}
