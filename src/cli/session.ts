import { resolveDatabase, type ResolvedDatabase } from '../drivers/database.js';
import { migrate } from '../drivers/migrations.js';
import { schemaNames } from '../drivers/postgres.js';
import { loadConfig, type Config } from '../runtime/config.js';
import { closeRuntime, openRuntime, type Runtime } from '../runtime/context.js';
import { createLogger, type Logger } from '../runtime/logger.js';

/** A command's view of the installation: validated config, a migrated database, the shared runtime. */
export interface Session {
  config: Config;
  log: Logger;
  database: ResolvedDatabase;
  rt: Runtime;
  close(): Promise<void>;
}

/**
 * Loads config, finds the database (DATABASE_URL, the default URL, or the embedded server), applies
 * pending migrations (idempotent, under an advisory lock) and opens the runtime.
 */
export async function openSession(options: { quiet?: boolean } = {}): Promise<Session> {
  const config = loadConfig();
  // One-shot commands log only warnings unless TRACE_LOG_LEVEL asks for more; `up` logs at info.
  const log = createLogger(options.quiet && !process.env.TRACE_LOG_LEVEL ? 'warn' : config.logLevel);
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    log: (msg, fields) => log.info(fields ?? {}, msg),
  });
  try {
    const migrated = await migrate(database.url, schemaNames(config.schemaPrefix));
    if (migrated.applied.length > 0) log.info({ applied: migrated.applied }, 'applied migrations');
    const rt = openRuntime({ config, log, url: database.url });
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
