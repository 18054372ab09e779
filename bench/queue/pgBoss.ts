/** pg-boss 10.4.2 processing noop jobs, in its own schema, at its fastest API and at defaults. */
import { performance } from 'node:perf_hooks';
import PgBoss from 'pg-boss';
import { dropSchema, quoteIdent, type Cleanups } from './database.js';
import { drainMs, perSecond, until } from './stats.js';

const VERSION = '10.4.2';

export interface PgBossConfig {
  version: string;
  /**
   * 'fetch': each consumer loops fetch({ batchSize }) → complete(ids), the documented manual API.
   * 'work': work() handlers, each of which fetches once per polling interval while it finds jobs.
   */
  mode: 'fetch' | 'work';
  consumers: number;
  batchSize: number;
  /** work() only: seconds between fetches (pg-boss's default 2). */
  pollingIntervalSeconds?: number;
  /** Connection pool size; pg-boss's default. */
  max: number;
  /** The round ends after this many seconds even if jobs remain (the default work() moves 0.5 job/s). */
  windowSeconds: number;
}

/**
 * The shape of pgqueue's consume_batch (4 consumers × 100 per take) through pg-boss's fastest
 * documented consumer. Measured on this 2-core box, 20k noop jobs, 2 runs each:
 *   work() 4 × 100: 814–815/s, work() 4 × 1000: 9.8–9.9k/s (each worker sleeps out the 0.5 s poll)
 *   fetch/complete 2 × 100: 13.2k/s, 4 × 100: 14.6–15.1k/s, 8 × 100: 17.5–18.6k/s
 *   fetch/complete 4 × 500: 35–37k/s, 4 × 1000: 43–52k/s (bigger batches than pgqueue is given)
 * Options: priority off (plain created_on order), maintenance and cron off (both configurations).
 */
export const PG_BOSS_FAST: PgBossConfig = { version: VERSION, mode: 'fetch', consumers: 4, batchSize: 100, max: 10, windowSeconds: 300 };

/**
 * pg-boss's defaults: one work() handler, batchSize 1, a fetch every 2 s. A backlog drains at one
 * job per polling interval, so the figure is the jobs done in a 6 s window.
 */
export const PG_BOSS_DEFAULTS: PgBossConfig = {
  version: VERSION,
  mode: 'work',
  consumers: 1,
  batchSize: 1,
  pollingIntervalSeconds: 2,
  max: 10,
  windowSeconds: 6,
};

const QUEUE = 'bench';
const INSERT_CHUNK = 1000;

export class PgBossSubject {
  private constructor(
    private readonly boss: PgBoss,
    private readonly schema: string,
  ) {}

  static async create(url: string, schema: string, cleanups: Cleanups): Promise<PgBossSubject> {
    cleanups.add('drop pg-boss schema', () => dropSchema(url, schema));
    // Maintenance (supervise) and cron (schedule) off: they only add background queries.
    const boss = new PgBoss({ connectionString: url, schema, max: PG_BOSS_FAST.max, supervise: false, schedule: false });
    boss.on('error', (err) => process.stderr.write(`[bench:queue] pg-boss error: ${err.message}\n`));
    await boss.start();
    cleanups.add('stop pg-boss', () => boss.stop({ graceful: false, wait: true, close: true }));
    await boss.createQueue(QUEUE);
    return new PgBossSubject(boss, schema);
  }

  private async sql<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.boss.getDb().executeSql(text, values)).rows as R[];
  }

  private get jobTable(): string {
    return `${quoteIdent(this.schema)}.job`;
  }

  /** Inserts `messages` jobs (untimed), then times the consumers until every job is completed. */
  async round(messages: number, config: PgBossConfig): Promise<number> {
    await this.sql(`DELETE FROM ${this.jobTable} WHERE name = $1`, [QUEUE]);
    for (let i = 0; i < messages; i += INSERT_CHUNK) {
      const n = Math.min(INSERT_CHUNK, messages - i);
      await this.boss.insert(Array.from({ length: n }, (_, j) => ({ name: QUEUE, data: { task_id: String(i + j) } })));
    }
    await this.sql(`VACUUM ANALYZE ${this.jobTable}`);
    return config.mode === 'fetch' ? this.fetchLoop(messages, config) : this.workHandlers(messages, config);
  }

  private async fetchLoop(messages: number, { consumers, batchSize }: PgBossConfig): Promise<number> {
    const ms = await drainMs(messages, consumers, batchSize, async (max) => {
      const jobs = await this.boss.fetch(QUEUE, { batchSize: max, priority: false });
      if (jobs.length > 0) await this.boss.complete(QUEUE, jobs.map((j) => j.id));
      return jobs.length;
    });
    return perSecond(messages, ms);
  }

  /** work() handlers until every job is completed or the window closes; completed jobs per second of the window. */
  private async workHandlers(messages: number, { consumers, batchSize, pollingIntervalSeconds, windowSeconds }: PgBossConfig): Promise<number> {
    const started = performance.now();
    const closes = started + windowSeconds * 1000;
    let completed = 0;
    for (let w = 0; w < consumers; w++) {
      await this.boss.work(QUEUE, { batchSize, pollingIntervalSeconds }, async () => undefined);
    }
    try {
      // work() completes each batch without awaiting it: completions are counted in the table.
      await until(async () => {
        const [row] = await this.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.jobTable} WHERE name = $1 AND state = 'completed'`, [QUEUE]);
        completed = row?.n ?? 0;
        return completed >= messages || performance.now() >= closes;
      }, 'pg-boss completions', windowSeconds * 1000 + 60_000, 20);
    } finally {
      await this.boss.offWork(QUEUE);
    }
    return perSecond(completed, performance.now() - started);
  }
}
