import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { RunningAttempts } from '../worker/runningAttempts.js';
import { PgListener } from '../../drivers/postgres/pgListener.js';
import { createPgPool, schemaNames, type PgPool, type SchemaNames } from '../../drivers/postgres/postgres.js';
import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import type { Delivery, QueueDriver } from '../../drivers/queue/queueDriver.js';
import { builtinOperators } from '../worker/operators/builtin.js';
import type { OperatorRegistry } from '../worker/operators/registry.js';
import { TaskStore } from '../state/tasks/taskStore.js';
import { DatasetRegistry } from '../state/datasetRegistry.js';
import { BufferBatches } from '../state/bufferBatches.js';
import { SyncJobs } from '../state/syncJobs.js';
import { Compactions } from '../state/compactions.js';
import { openObjectStore } from '../../drivers/store/embeddedS3.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { rpcPoolsFromEnv, type RpcPools } from '../../drivers/chain/rpcPools.js';
import type { Config } from '../../runtime/config.js';
import type { Logger } from '../../runtime/logger.js';
import { openThreadPool, type NodeThreadPool } from '../threadJobs.js';
import { WakeupMailbox } from '../../runtime/wakeupMailbox.js';
import { RuntimeMetrics } from './metrics.js';
import { QueryService } from '../query/queryService.js';

/** What the actors of one process share. */
export interface Runtime {
  config: Config;
  log: Logger;
  url: string;
  schemas: SchemaNames;
  db: PgPool;
  /** LISTEN connection for state notifications (outbox inserts). */
  listener: PgListener;
  queue: QueueDriver;
  tasks: TaskStore;
  registry: DatasetRegistry;
  buffers: BufferBatches;
  syncJobs: SyncJobs;
  compactions: Compactions;
  /** RPC pools from TRACE_RPC_POOL_<POOL>_URL, read on first use (a bad variable fails there, naming it). */
  rpc: () => RpcPools;
  /** The S3 store (embedded server unless S3_ENDPOINT is set), opened on first use. */
  objects: LazyObjectStore;
  threads: NodeThreadPool;
  wakeups: WakeupMailbox<Delivery>;
  running: RunningAttempts;
  operators: OperatorRegistry;
  /** The Query Service (SQL over hot + cold), opened on first use. */
  query: () => Promise<QueryService>;
  /** Closes the Query Service if it was opened. */
  closeQuery: () => Promise<void>;
  /** Prometheus metrics in this runtime's own registry, created on first use (nodes serving HTTP). */
  metrics: () => RuntimeMetrics;
  /** Names this process in leases and attempt history. */
  workerId: string;
}

export interface OpenRuntimeOptions {
  config: Config;
  log: Logger;
  /** The resolved database URL (config.databaseUrl, or the embedded server's). */
  url: string;
  operators?: OperatorRegistry;
  queue?: QueueDriver;
  objects?: LazyObjectStore;
  /** Environment holding the RPC pools; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

export function openRuntime({ config, log, url, operators, queue: queueDriver, objects, env = process.env }: OpenRuntimeOptions): Runtime {
  const schemas = schemaNames(config.schemaPrefix);
  // Connections: one per concurrently running attempt (claim/complete) plus the actors' own loops.
  const db = createPgPool({ url, schemas, max: config.workerConcurrency + 6 });
  const tasks = new TaskStore(db, {
    defaultMaxAttempts: config.maxAttempts,
    retryBaseSeconds: config.retryBaseSeconds,
    retryMaxSeconds: config.retryMaxSeconds,
  });
  let rpcPools: RpcPools | undefined;
  let queryService: Promise<QueryService> | undefined;
  const lazyObjects = objects ?? new LazyObjectStore(() => openObjectStore({ config, dataDir: config.dataDir, log }));
  const threads = openThreadPool();
  let metrics: RuntimeMetrics | undefined;
  const queue = queueDriver ?? new PgQueueDriver({ pool: db, url, schemas, defaultMaxAttempts: config.queueMaxDeliveries });
  const compactions = new Compactions(db, tasks, { retentionBlocks: config.hotRetentionBlocks, blocks: config.compactionBlocks, bytes: config.compactionBytes });
  return {
    config,
    rpc: () => (rpcPools ??= rpcPoolsFromEnv(env)),
    log,
    url,
    schemas,
    db,
    listener: new PgListener(() => new pg.Client({ connectionString: url })),
    queue,
    tasks,
    syncJobs: new SyncJobs(db, tasks, schemas.data, { retentionBlocks: config.hotRetentionBlocks, compactionBlocks: config.compactionBlocks }, compactions),
    compactions,
    registry: new DatasetRegistry(db),
    buffers: new BufferBatches(db, schemas.data),
    objects: lazyObjects,
    threads,
    wakeups: new WakeupMailbox(),
    running: new RunningAttempts(),
    operators: operators ?? builtinOperators(),
    query: () => (queryService ??= QueryService.open({ config, db, url, dataSchema: schemas.data, objects: lazyObjects, threads })),
    metrics: () => (metrics ??= new RuntimeMetrics({ queue, tasks, log })),
    closeQuery: async () => {
      const opened = await queryService?.catch(() => undefined);
      queryService = undefined;
      await opened?.close();
    },
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  await runtime.closeQuery();
  await runtime.threads.close();
  await runtime.objects.close();
  await runtime.queue.close();
  await runtime.listener.close();
  await runtime.db.end();
}
