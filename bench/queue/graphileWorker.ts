/** graphile-worker 0.17.3 processing noop jobs, in its own schema, in two configurations. */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Logger, run, runMigrations, type WorkerEvents } from 'graphile-worker';
import { dropSchema, quoteIdent, withClient, type Cleanups } from './database.js';
import { perSecond, until } from './stats.js';

export interface GraphileWorkerConfig {
  version: string;
  concurrency: number;
  maxPoolSize: number;
  /** Jobs fetched (and locked) per query into the runner's local queue; -1 = off (each worker fetches its own job). */
  localQueueSize: number;
  /** Milliseconds to wait for more completions to batch into one query; -1 = off (one query per job). */
  completeJobBatchDelay: number;
  /** Share of `--messages` queued for the round: the default configuration runs one job at a time. */
  jobsShare: number;
}

const VERSION = '0.17.3';

/**
 * The configuration of graphile-worker's performance page (worker.graphile.org/docs/performance,
 * "Quick stats"): 24 concurrent jobs, a pool of 25, a local queue of 500, and job completions and
 * failures batched with a delay of 0 ms. 0.17.3 is the newest release for Node 20 (0.18.0 declares
 * Node ≥ 22.18).
 */
export const GRAPHILE_WORKER_FAST: GraphileWorkerConfig = {
  version: VERSION,
  concurrency: 24,
  maxPoolSize: 25,
  localQueueSize: 500,
  completeJobBatchDelay: 0,
  jobsShare: 1,
};

/** graphile-worker's defaults (concurrentJobs 1, maxPoolSize 10, no local queue, no batching). */
export const GRAPHILE_WORKER_DEFAULTS: GraphileWorkerConfig = {
  version: VERSION,
  concurrency: 1,
  maxPoolSize: 10,
  localQueueSize: -1,
  completeJobBatchDelay: -1,
  jobsShare: 4,
};

const TASK = 'noop';
const quiet = new Logger(() => () => undefined);

export class GraphileWorkerSubject {
  private constructor(
    private readonly url: string,
    private readonly schema: string,
    private readonly cleanups: Cleanups,
  ) {}

  static async create(url: string, schema: string, cleanups: Cleanups): Promise<GraphileWorkerSubject> {
    cleanups.add('drop graphile-worker schema', () => dropSchema(url, schema));
    await runMigrations({ connectionString: url, schema, logger: quiet });
    return new GraphileWorkerSubject(url, schema, cleanups);
  }

  /** Queues `messages / config.jobsShare` noop jobs with one add_jobs call (untimed), then times the worker draining them. */
  async round(messages: number, config: GraphileWorkerConfig): Promise<number> {
    const jobs = Math.ceil(messages / config.jobsShare);
    const s = quoteIdent(this.schema);
    await withClient(this.url, async (c) => {
      await c.query(
        `SELECT count(*) FROM ${s}.add_jobs(ARRAY(
           SELECT ROW($2::text, json_build_object('task_id', i::text), NULL, NULL, NULL, NULL, NULL, NULL)::${s}.job_spec
           FROM generate_series(1, $1::int) AS i))`,
        [jobs, TASK],
      );
      await c.query(`VACUUM ANALYZE ${s}._private_jobs`);
    });
    // Per-job success logging is formatted even for a silent logger unless this documented flag is set.
    process.env.NO_LOG_SUCCESS = '1';
    const events = new EventEmitter() as WorkerEvents;
    // Timed from the first job start (the runner's own startup is excluded) to the last completion.
    let firstStart = Number.NaN;
    let completed = 0;
    events.on('job:start', () => {
      if (Number.isNaN(firstStart)) firstStart = performance.now();
    });
    events.on('job:complete', () => {
      completed += 1;
    });
    const runner = await run({
      connectionString: this.url,
      schema: this.schema,
      concurrency: config.concurrency,
      maxPoolSize: config.maxPoolSize,
      preset: {
        worker: {
          localQueue: { size: config.localQueueSize },
          completeJobBatchDelay: config.completeJobBatchDelay,
          failJobBatchDelay: config.completeJobBatchDelay,
        },
      },
      noHandleSignals: true,
      logger: quiet,
      crontab: '',
      events,
      taskList: { [TASK]: async () => undefined },
    });
    // Interrupted mid-round, the runner must stop before its schema is dropped; stop() throws when
    // called twice, so both paths share one call.
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopping ??= runner.stop());
    const unregister = this.cleanups.add('stop graphile-worker runner', stop);
    try {
      // job:complete fires when the task returns; with batched completion the job row is deleted
      // later, so the round ends when the table is empty (every completion committed).
      await until(() => completed >= jobs, 'graphile-worker jobs');
      await withClient(this.url, (c) =>
        until(async () => (await c.query(`SELECT 1 FROM ${s}._private_jobs LIMIT 1`)).rowCount === 0, 'graphile-worker completions'),
      );
      return perSecond(jobs, performance.now() - firstStart);
    } finally {
      unregister();
      await stop();
    }
  }
}
