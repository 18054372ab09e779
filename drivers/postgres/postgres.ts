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
export function createPgPool({ url, schemas, max = 10, applicationName = 'trace-lite' }: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    options: `-c search_path=${schemas.state},${schemas.data}`,
  });
  // An idle client that loses its server (restart, terminate) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
