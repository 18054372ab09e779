import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { RunningAttempts } from '../worker/runningAttempts.js';
import { PgListener } from '../../drivers/postgres/pgListener.js';
import { connectionName, createPgPool, schemaNames, type PgPool, type SchemaNames } from '../../drivers/postgres/postgres.js';
import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import { NatsQueueDriver } from '../../drivers/queue/nats/natsQueueDriver.js';
import type { Delivery, QueueDriver } from '../../drivers/queue/queueDriver.js';
import { builtinOperators } from '../worker/operators/builtin.js';
import type { OperatorRegistry } from '../worker/operators/registry.js';
import { TaskStore } from '../state/tasks/taskStore.js';
import { DatasetRegistry } from '../state/datasetRegistry.js';
import { BufferBatches } from '../state/bufferBatches.js';
import type { SyncJobs } from '../state/syncJobs.js';
import { openSyncStores } from '../state/syncStores.js';
import type { Compactions } from '../state/compactions.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import type { RpcPools } from '../../drivers/chain/rpcPools.js';
import type { Config } from '../../runtime/config.js';
import type { Logger } from '../../runtime/logger.js';
import { openThreadPool, type NodeThreadPool } from '../threadJobs.js';
import { WakeupMailbox } from '../../runtime/wakeupMailbox.js';
import { RuntimeMetrics } from './metrics.js';
import type { QueryService } from '../query/queryService.js';
import { dispatchChannel } from '../state/dispatchEvents.js';

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
  rpc: () => Promise<RpcPools>;
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
  /** The node (`up`): serve the embedded store on the fixed port TRACE_S3_PORT for other tools and commands. */
  serveStore?: boolean;
}

export function openRuntime({ config, log, url, operators, queue: queueDriver, objects, env = process.env, serveStore = false }: OpenRuntimeOptions): Runtime {
  const schemas = schemaNames(config.schemaPrefix);
  // Connections: one per concurrently running attempt (claim/complete) plus the actors' own loops.
  const db = createPgPool({ url, schemas, max: config.workerConcurrency + 6 });
  const tasks = new TaskStore(
    db,
    { defaultMaxAttempts: config.maxAttempts, retryBaseSeconds: config.retryBaseSeconds, retryMaxSeconds: config.retryMaxSeconds },
    dispatchChannel(schemas),
  );
  let rpcPools: Promise<RpcPools> | undefined;
  let queryService: Promise<QueryService> | undefined;
  // The S3 SDK and DuckDB load when first used, so commands that touch neither (status, task submit) start fast.
  const lazyObjects =
    objects ?? new LazyObjectStore(async () => (await import('../../drivers/store/embeddedS3.js')).openObjectStore({ config, dataDir: config.dataDir, log, serve: serveStore }));
  const threads = openThreadPool({ onThreadError: (err) => log.error({ err }, 'a pool thread failed outside any job; the pool replaces it') });
  let metrics: RuntimeMetrics | undefined;
  const queue = queueDriver ?? openQueueDriver(config, db, url, schemas);
  const { syncJobs, compactions } = openSyncStores(db, tasks, schemas, config);
  return {
    config,
    // viem (the RPC transport) loads on first use too: status and task submit never reach a chain.
    rpc: () => (rpcPools ??= import('../../drivers/chain/rpcPools.js').then(({ rpcPoolsFromEnv }) => rpcPoolsFromEnv(env))),
    log,
    url,
    schemas,
    db,
    listener: new PgListener(() => new pg.Client({ connectionString: url, application_name: connectionName('listen') })),
    queue,
    tasks,
    syncJobs,
    compactions,
    registry: new DatasetRegistry(db),
    buffers: new BufferBatches(db, schemas.data),
    objects: lazyObjects,
    threads,
    wakeups: new WakeupMailbox(),
    running: new RunningAttempts(),
    operators: operators ?? builtinOperators(),
    query: () =>
      (queryService ??= import('../query/queryService.js').then(({ QueryService }) =>
        QueryService.open({ config, db, url, dataSchema: schemas.data, objects: lazyObjects }),
      )),
    metrics: () => (metrics ??= new RuntimeMetrics({ queue, tasks, log })),
    closeQuery: async () => {
      const opened = await queryService?.catch(() => undefined);
      queryService = undefined;
      await opened?.close();
    },
    workerId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
}

/** The queue driver config.queueDriver names (TRACE_QUEUE_DRIVER, pgqueue by default). */
function openQueueDriver(config: Config, db: PgPool, url: string, schemas: SchemaNames): QueueDriver {
  if (config.queueDriver === 'nats') {
    // The installation's messaging prefix (pgqueue's NOTIFY channels use it too) names its streams.
    return new NatsQueueDriver({
      url: config.natsUrl,
      namespace: schemas.channelPrefix,
      visibilitySeconds: config.visibilitySeconds,
      defaultMaxAttempts: config.queueMaxDeliveries,
    });
  }
  return new PgQueueDriver({ pool: db, url, schemas, defaultMaxAttempts: config.queueMaxDeliveries });
}

export async function closeRuntime(runtime: Runtime): Promise<void> {
  await runtime.closeQuery();
  await runtime.threads.close();
  await runtime.objects.close();
  await runtime.queue.close();
  await runtime.listener.close();
  await runtime.db.end();
}
