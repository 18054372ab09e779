/** graphile-worker 0.16.6 processing noop jobs, in its own schema. */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Logger, run, runMigrations, type WorkerEvents } from 'graphile-worker';
import { dropSchema, quoteIdent, withClient, type Cleanups } from './database.js';
import { perSecond, until } from './stats.js';

/**
 * The configuration of graphile-worker's performance page (worker.graphile.org/docs/performance)
 * that 0.16.6 supports: concurrentJobs 24, maxPoolSize 25. Its batching options (localQueue,
 * completeJobBatchDelay) arrived after 0.16.6, which is the newest release for Node 20.
 * Measured here, 20k noop jobs, 2 runs each: 24/25: 5.2–5.7k/s, 10/11: 5.4–5.8k/s, 4/5: 2.5–4.2k/s,
 * 50/51: 3.6–3.7k/s, so the documented setting is also the best on 2 cores.
 */
export const GRAPHILE_WORKER_CONFIG = { concurrency: 24, maxPoolSize: 25 } as const;

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

  /** Queues `messages` noop jobs with one add_jobs call (untimed), then times the worker draining them. */
  async round(messages: number): Promise<number> {
    const s = quoteIdent(this.schema);
    await withClient(this.url, async (c) => {
      await c.query(
        `SELECT count(*) FROM ${s}.add_jobs(ARRAY(
           SELECT ROW($2::text, json_build_object('task_id', i::text), NULL, NULL, NULL, NULL, NULL, NULL)::${s}.job_spec
           FROM generate_series(1, $1::int) AS i))`,
        [messages, TASK],
      );
      await c.query(`VACUUM ANALYZE ${s}._private_jobs`);
    });
    // Per-job success logging is formatted even for a silent logger unless this documented flag is set.
    process.env.NO_LOG_SUCCESS = '1';
    const events = new EventEmitter() as WorkerEvents;
    // Timed from the first job start (the runner's own startup is excluded) to the last completion.
    let firstStart = Number.NaN;
    let lastComplete = Number.NaN;
    let completed = 0;
    events.on('job:start', () => {
      if (Number.isNaN(firstStart)) firstStart = performance.now();
    });
    events.on('job:complete', () => {
      completed += 1;
      if (completed === messages) lastComplete = performance.now();
    });
    const runner = await run({
      connectionString: this.url,
      schema: this.schema,
      ...GRAPHILE_WORKER_CONFIG,
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
      await until(() => completed >= messages, 'graphile-worker jobs');
    } finally {
      unregister();
      await stop();
    }
    return perSecond(messages, lastComplete - firstStart);
  }
}
