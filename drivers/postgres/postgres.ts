import pg from 'pg';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** The schemas one installation owns. A prefix lets two installations share one database. */
export interface SchemaNames {
  state: string;
  data: string;
  /** Prefix for LISTEN/NOTIFY channels, which are database-wide rather than per schema. */
  channelPrefix: string;
}

export function schemaNames(prefix: string): SchemaNames {
  return { state: `${prefix}state`, data: `${prefix}data`, channelPrefix: `${prefix}trace` };
}

/**
 * The application_name of this process's connections: `trace-lite <pid>` and what they are for, so
 * pg_stat_activity shows which process holds which connections (bench/scale counts them so).
 */
export function connectionName(purpose?: string): string {
  return purpose === undefined ? `trace-lite ${process.pid}` : `trace-lite ${process.pid} ${purpose}`;
}

/**
 * A pool's idle connection closes after 2 s (pg's default is 10 s): a busy node keeps its
 * connections, an idle one holds none, and processes sharing one server (max_connections 100 by
 * default) do not run it out of connections with idle ones.
 */
const IDLE_CONNECTION_TIMEOUT_MS = 2_000;

export interface PgPoolOptions {
  url: string;
  schemas: SchemaNames;
  max?: number;
  applicationName?: string;
}

/**
 * A pool whose connections resolve unqualified table names in this installation's schemas, so
 * the statements in sql/ are written once, without schema names, and serve every prefix.
 */
export function createPgPool({ url, schemas, max = 10, applicationName = connectionName() }: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: IDLE_CONNECTION_TIMEOUT_MS,
    application_name: applicationName,
    options: `-c search_path=${schemas.state},${schemas.data}`,
  });
  // An idle client that loses its server (restart, terminate) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Checks a client out of the pool. A connection lost while checked out (a terminated backend, a
 * restart) fails the running query and also emits 'error' on the client, which pg's pool listens
 * for only on idle clients: without this listener it would end the process. Releasing with an
 * error destroys the client instead of returning it to the pool.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  const ignoreError = () => undefined;
  client.on('error', ignoreError);
  const release = client.release;
  client.release = (err?: Error | boolean) => {
    client.off('error', ignoreError);
    release(err);
  };
  return client;
}

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await checkOut(pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    client.release(broken);
  }
}
