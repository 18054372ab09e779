/** Short-lived connections that ask a PostgreSQL whether it answers, and for one value. */
import pg from 'pg';
import { errorMessage } from './diagnostics.js';

/** A local server answers in milliseconds; a second is plenty before falling back to embedded. */
export const PROBE_TIMEOUT_MS = 1_000;

/** Whether `url` accepts a connection and runs `SELECT 1` within timeoutMs. */
export async function probeDatabase(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return (await probeFailure(url, timeoutMs)) === undefined;
}

/** Why `url` does not answer `SELECT 1` within timeoutMs, or undefined when it does. */
export async function probeFailure(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    await queryValue(url, 'SELECT 1', timeoutMs);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

/** The first column of the first row of `sql`, on a connection of its own. */
export async function queryValue(url: string, sql: string, timeoutMs: number): Promise<unknown> {
  // connectionTimeoutMillis covers TCP connect and authentication, query_timeout the query.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined); // a server going away mid-probe must not crash the process
  try {
    await client.connect();
    const result = await client.query<Record<string, unknown>>(sql);
    const row = result.rows[0];
    return row === undefined ? undefined : Object.values(row)[0];
  } finally {
    await client.end().catch(() => undefined);
  }
}
