/** pgqueue through its real driver (PgQueueDriver) on a fresh, migrated installation. */
import { dropInstallation, migrate } from '../../drivers/postgres/migrations.js';
import { createPgPool, schemaNames, type PgPool } from '../../drivers/postgres/postgres.js';
import { PgQueueDriver } from '../../drivers/queue/pgQueueDriver.js';
import { WalMeter, type Cleanups } from './database.js';
import { DriverSubject } from './driverSubject.js';

export class PgQueueSubject extends DriverSubject {
  readonly name = 'pgqueue';

  private constructor(
    private readonly pool: PgPool,
    driver: PgQueueDriver,
    readonly wal: WalMeter,
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
    const wal = await WalMeter.create(pool, [`${schemas.state}.queue_messages`, `${schemas.state}.queue_leases`, `${schemas.state}.queue_dead_letters`]);
    return new PgQueueSubject(pool, driver, wal);
  }

  async settle(): Promise<void> {
    await this.pool.query('VACUUM ANALYZE queue_messages, queue_leases');
  }

}
