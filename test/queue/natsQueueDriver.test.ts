import { NatsQueueDriver } from '../../drivers/queue/nats/natsQueueDriver.js';
import { TEST_NATS_URL, testNatsNamespace } from '../helpers/nats.js';
import { queueDriverConformance } from './queueDriverConformance.js';

/** The node's default visibility: receives for 30 s use JetStream's ack wait, other lengths a nak with delay. */
const VISIBILITY_SECONDS = 30;

queueDriverConformance('nats', async (t) => {
  const namespace = await testNatsNamespace(t);
  return () => new NatsQueueDriver({ url: TEST_NATS_URL, namespace, visibilitySeconds: VISIBILITY_SECONDS });
});
