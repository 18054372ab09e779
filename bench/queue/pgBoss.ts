/** pg-boss 10.4.2 processing noop jobs, in its own schema. */
import { performance } from 'node:perf_hooks';
import PgBoss from 'pg-boss';
import { dropSchema, quoteIdent, type Cleanups } from './database.js';
import { perSecond, until } from './stats.js';

/**
 * pg-boss's fastest documented setup: several work() calls (v10 dropped teamSize; each call is one
 * polling worker) fetching in batches, the 0.5 s minimum polling interval, no priority sort, and
 * maintenance and scheduling off.
 */
export const PG_BOSS_CONFIG = { workers: 4, batchSize: 100, pollingIntervalSeconds: 0.5, priority: false, max: 10 } as const;

const QUEUE = 'bench';
const INSERT_CHUNK = 1000;

export class PgBossSubject {
  private constructor(
    private readonly boss: PgBoss,
    private readonly schema: string,
  ) {}

  static async create(url: string, schema: string, cleanups: Cleanups): Promise<PgBossSubject> {
    cleanups.add('drop pg-boss schema', () => dropSchema(url, schema));
    const boss = new PgBoss({ connectionString: url, schema, max: PG_BOSS_CONFIG.max, supervise: false, schedule: false });
    boss.on('error', (err) => process.stderr.write(`[bench:queue] pg-boss error: ${err.message}\n`));
    await boss.start();
    cleanups.add('stop pg-boss', () => boss.stop({ graceful: false, wait: true, close: true }));
    await boss.createQueue(QUEUE);
    return new PgBossSubject(boss, schema);
  }

  private async sql<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.boss.getDb().executeSql(text, values)).rows as R[];
  }

  /** Inserts `messages` jobs (untimed), then times the workers until every job is completed. */
  async round(messages: number): Promise<number> {
    const jobTable = `${quoteIdent(this.schema)}.job`;
    await this.sql(`DELETE FROM ${jobTable} WHERE name = $1`, [QUEUE]);
    for (let i = 0; i < messages; i += INSERT_CHUNK) {
      const n = Math.min(INSERT_CHUNK, messages - i);
      await this.boss.insert(Array.from({ length: n }, (_, j) => ({ name: QUEUE, data: { task_id: String(i + j) } })));
    }
    await this.sql(`VACUUM ANALYZE ${jobTable}`);
    let firstStart: number | undefined;
    let handled = 0;
    const { workers, batchSize, pollingIntervalSeconds, priority } = PG_BOSS_CONFIG;
    for (let w = 0; w < workers; w++) {
      await this.boss.work(QUEUE, { batchSize, pollingIntervalSeconds, priority }, async (jobs) => {
        firstStart ??= performance.now();
        handled += jobs.length;
      });
    }
    try {
      await until(() => handled >= messages, 'pg-boss handlers');
      // work() completes each batch without awaiting it: the round ends when the last completion lands.
      await until(async () => {
        const [row] = await this.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${jobTable} WHERE name = $1 AND state = 'completed'`, [QUEUE]);
        return (row?.n ?? 0) >= messages;
      }, 'pg-boss completions');
    } finally {
      await this.boss.offWork(QUEUE);
    }
    return perSecond(messages, performance.now() - (firstStart ?? Number.NaN));
  }
}
