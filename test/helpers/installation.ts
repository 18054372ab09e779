import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { loadConfig, type Config, type ConfigInput } from '../../runtime/config.js';
import { createPgPool, schemaNames, type PgPool, type SchemaNames } from '../../drivers/postgres/postgres.js';
import { dropInstallation, migrate } from '../../drivers/postgres/migrations.js';
import { DEFAULT_DATABASE_URL } from '../../drivers/postgres/embedded/resolveDatabase.js';
import { dropNatsNamespaceAtTeardown } from './nats.js';

/** The database every test reaches; `npm test` points it at an embedded server when none answers. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

export interface TestInstallation {
  url: string;
  prefix: string;
  schemas: SchemaNames;
  pool: PgPool;
  config: Config;
}

/**
 * A migrated installation under a fresh schema prefix, dropped when the test ends, so test files
 * and tests run in parallel without seeing each other. TRACE_QUEUE_DRIVER and TRACE_NATS_URL pass
 * through, so any node test can run on the NATS driver; its streams go with the installation.
 */
export async function createInstallation(t: ExecutionContext, overrides: ConfigInput = {}): Promise<TestInstallation> {
  const prefix = `t${randomBytes(5).toString('hex')}_`;
  const schemas = schemaNames(prefix);
  const queueEnv = { TRACE_QUEUE_DRIVER: process.env.TRACE_QUEUE_DRIVER, TRACE_NATS_URL: process.env.TRACE_NATS_URL };
  // httpPort and s3Port 0: nodes bind free ports, never 8787 or 8788 (test files run in parallel).
  const config = loadConfig(queueEnv, { databaseUrl: TEST_DATABASE_URL, schemaPrefix: prefix, logLevel: 'warn', httpPort: 0, s3Port: 0, ...overrides });
  // The node names its NATS streams after the installation's messaging prefix (actors/node/context.ts).
  if (config.queueDriver === 'nats') await dropNatsNamespaceAtTeardown(t, schemas.channelPrefix, config.natsUrl);
  await migrate(TEST_DATABASE_URL, schemas);
  const pool = createPgPool({ url: TEST_DATABASE_URL, schemas, max: 8 });
  t.teardown(async () => {
    await pool.end();
    await dropInstallation(TEST_DATABASE_URL, schemas);
  });
  return { url: TEST_DATABASE_URL, prefix, schemas, pool, config };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
