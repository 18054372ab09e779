import type { Config } from '../../runtime/config.js';
import type { PgPool, SchemaNames } from '../../drivers/postgres/postgres.js';
import { Compactions } from './compactions.js';
import { dispatchChannel } from './dispatchEvents.js';
import { SyncJobs } from './syncJobs.js';
import type { TaskStore } from './tasks/taskStore.js';

type TierConfig = Pick<Config, 'hotRetentionBlocks' | 'compactionBlocks' | 'compactionBytes'>;

/** The chain_sync jobs and the compactions of one installation, configured from its tiers. */
export function openSyncStores(db: PgPool, tasks: TaskStore, schemas: SchemaNames, config: TierConfig): { syncJobs: SyncJobs; compactions: Compactions } {
  const compactions = new Compactions(db, tasks, { retentionBlocks: config.hotRetentionBlocks, blocks: config.compactionBlocks, bytes: config.compactionBytes });
  const backfill = { retentionBlocks: config.hotRetentionBlocks, compactionBlocks: config.compactionBlocks };
  return { syncJobs: new SyncJobs(db, tasks, schemas.data, dispatchChannel(schemas), backfill, compactions), compactions };
}
