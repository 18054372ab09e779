import pg from 'pg';

export interface FreshDatabase {
  url: string;
  /** Committed and rolled-back transactions of the database so far (its pg_stat_database row). */
  transactions(): Promise<number>;
  /** Transactions each transactions() call itself adds to the count it reads later. */
  probeTransactions: number;
  version(): Promise<string>;
  drop(): Promise<void>;
}

/** A new database beside the one `serverUrl` names, dropped at the end, so only the node's own transactions count. */
export async function freshDatabase(serverUrl: string): Promise<FreshDatabase> {
  if (!serverUrl) throw new Error('DATABASE_URL is not set (run through dist/scripts/withDatabase.js)');
  const name = `trace_footprint_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const probe = new pg.Client({ connectionString: url.toString() });
  await probe.connect();
  // pg_stat_force_next_flush (PostgreSQL 15+) makes backends report their counters now rather than
  // within the next second; the probe's own flush and read are two transactions of this database.
  const flush = async () => probe.query('SELECT pg_stat_force_next_flush()').catch(() => undefined);
  return {
    url: url.toString(),
    probeTransactions: 2,
    async transactions() {
      await flush();
      await probe.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await probe.query<{ n: string }>('SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()');
      return Number(rows[0]!.n);
    },
    async version() {
      return (await probe.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v.split(' ')[0]!;
    },
    async drop() {
      await probe.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
