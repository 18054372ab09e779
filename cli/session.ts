import type { ResolvedDatabase } from '../drivers/postgres/embedded/resolveDatabase.js';
import type { Config, ConfigInput } from '../runtime/config.js';
import type { Runtime } from '../actors/node/context.js';
import type { Logger } from '../runtime/logger.js';

/** A command's view of the installation: validated config, a migrated database, the shared runtime. */
export interface Session {
  config: Config;
  log: Logger;
  database: ResolvedDatabase;
  rt: Runtime;
  close(): Promise<void>;
}

export interface SessionOptions {
  quiet?: boolean;
  /** Settings that win over the environment and the config file (the demo's own schema prefix). */
  overrides?: ConfigInput;
  /** Environment for the RPC pools; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Drops the installation's schemas before migrating: a clean slate (the demo's). */
  reset?: boolean;
  /** The node (`up`): serve the embedded store on the fixed port (TRACE_S3_PORT). */
  serveStore?: boolean;
  /** How long a database that refuses or is starting up is waited for (0: fail at once, as one-shot commands do). */
  waitForDatabaseMs?: number;
}

/**
 * Loads config, finds the database (DATABASE_URL, the default URL, or the embedded server), applies
 * pending migrations (idempotent, under an advisory lock) and opens the runtime.
 */
export async function openSession(options: SessionOptions = {}): Promise<Session> {
  // The runtime (Postgres, the object store, DuckDB, the thread pool) loads with the first session, not with the CLI.
  const [{ loadConfig }, { createLogger }, { resolveDatabase }, { dropInstallation, migrate }, { schemaNames }, { closeRuntime, openRuntime }, { untilDatabaseAnswers }] =
    await Promise.all([
      import('../runtime/config.js'),
      import('../runtime/logger.js'),
      import('../drivers/postgres/embedded/resolveDatabase.js'),
      import('../drivers/postgres/migrations.js'),
      import('../drivers/postgres/postgres.js'),
      import('../actors/node/context.js'),
      import('../drivers/postgres/untilAnswers.js'),
    ]);
  const config = loadConfig(process.env, options.overrides);
  // One-shot commands log only warnings unless TRACE_LOG_LEVEL asks for more; `up` logs at info.
  const log = createLogger(options.quiet && !process.env.TRACE_LOG_LEVEL ? 'warn' : config.logLevel);
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    log: (msg, fields) => log.info(fields ?? {}, msg),
  });
  try {
    if (options.reset) await dropInstallation(database.url, schemaNames(config.schemaPrefix));
    const migrated = await untilDatabaseAnswers(() => migrate(database.url, schemaNames(config.schemaPrefix)), options.waitForDatabaseMs ?? 0, (err, waitedMs) =>
      log.warn({ reason: err.message, waitedMs }, 'waiting for PostgreSQL'),
    );
    if (migrated.applied.length > 0) log.info({ applied: migrated.applied }, 'applied migrations');
    const rt = openRuntime({ config, log, url: database.url, env: options.env, serveStore: options.serveStore });
    return {
      config,
      log,
      database,
      rt,
      async close() {
        await closeRuntime(rt);
        await database.stop();
        log.flush();
      },
    };
  } catch (err) {
    await database.stop();
    throw err;
  }
}

/** Opens a session, runs `fn`, and always closes the session. */
export async function withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession({ quiet: true });
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
