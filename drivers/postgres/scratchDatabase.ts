/**
 * A database of its own for one run (the harness, a benchmark round) on a PostgreSQL server the
 * caller reaches with `serverUrl`: created empty, dropped at the end with every connection to it
 * closed, so a run starts from nothing and leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  name: string;
  /** serverUrl with the database replaced by this one. */
  url: string;
  /** Drops the database, ending the sessions still connected to it; idempotent. */
  drop(): Promise<void>;
}

/** Database names are lower-case identifiers; the prefix says who made it, the suffix keeps runs apart. */
const NAME = /^[a-z_][a-z0-9_]{0,40}$/;

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'trace-lite scratch database' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  if (!NAME.test(name)) throw new Error(`scratch database name ${name} must be a lower-case identifier`);
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    // WITH (FORCE) (PostgreSQL 13+) ends sessions a killed process left behind.
    drop: () => (dropped ??= onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}
