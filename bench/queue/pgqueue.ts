/** pgqueue through its real driver (PgQueueDriver) on a fresh, migrated installation. */
import { dropInstallation, migrate } from '../../drivers/postgres/migrations.js';
import { createPgPool, schemaNames, type PgPool } from '../../drivers/postgres/postgres.js';
import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import { walPosition, type Cleanups } from './database.js';
import { DriverSubject } from './driverSubject.js';

export class PgQueueSubject extends DriverSubject {
  readonly name = 'pgqueue';

  private constructor(
    private readonly pool: PgPool,
    driver: PgQueueDriver,
  ) {
    super(driver);
  }

  static async create(url: string, prefix: string, workers: number, cleanups: Cleanups): Promise<PgQueueSubject> {
    const schemas = schemaNames(prefix);
    cleanups.add('drop pgqueue installation', () => dropInstallation(url, schemas));
    await migrate(url, schemas);
    const pool = createPgPool({ url, schemas, max: workers, applicationName: 'trace-lite bench pgqueue' });
    const driver = new PgQueueDriver({ pool, url, schemas });
    cleanups.add('close pgqueue pool', async () => {
      await driver.close();
      await pool.end();
    });
    return new PgQueueSubject(pool, driver);
  }

  async settle(): Promise<void> {
    await this.pool.query('VACUUM ANALYZE queue_messages');
  }

  walPosition(): Promise<bigint> {
    return walPosition(this.pool);
  }

  /**
   * Share of receive UPDATEs that were HOT (no index entry written) so far in this installation.
   * Statistics reach pg_stat_user_tables up to a second late, so read it after a pause.
   */
  async hotUpdateRatio(): Promise<number> {
    const { rows } = await this.pool.query<{ ratio: number | null }>(
      `SELECT n_tup_hot_upd::float8 / nullif(n_tup_upd, 0) AS ratio FROM pg_stat_user_tables
       WHERE relid = 'queue_messages'::regclass`,
    );
    return rows[0]?.ratio ?? Number.NaN;
  }
}
