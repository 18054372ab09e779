import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import { createInstallation } from '../helpers/installation.js';
import { queueDriverConformance } from './queueDriverConformance.js';

queueDriverConformance('pgqueue', async (t) => {
  const { pool, url, schemas } = await createInstallation(t);
  return () => new PgQueueDriver({ pool, url, schemas });
});
