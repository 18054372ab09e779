/** Connections, scratch schemas and cleanup for one bench run. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_DATABASE_URL } from '../../drivers/postgres/embedded/resolveDatabase.js';

export const BENCH_DATABASE_URL = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

/** A fresh prefix per run, so a run never sees (or drops) another run's schemas. */
export function benchPrefix(): string {
  return `bench_${randomBytes(4).toString('hex')}_`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'trace-lite bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`CREATE SCHEMA ${quoteIdent(schema)}`));
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
}

/** e.g. "15.20". */
export async function postgresVersion(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return (rows[0]?.v ?? 'unknown').split(' ')[0] ?? 'unknown';
  });
}

/**
 * Cleanups registered as subjects are set up, run in reverse order at the end of the run, on
 * failure and on SIGINT/SIGTERM, so no bench schema outlives its run.
 */
export class Cleanups {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | undefined;

  /** Registers a step; the returned function unregisters it once it is no longer needed. */
  add(what: string, run: () => Promise<void>): () => void {
    const step = { what, run };
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
    };
  }

  /**
   * One shared pass: a signal and the failing main flow both await the same cleanup, so neither
   * exits while the other is still dropping a schema.
   */
  runAll(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (err) {
        process.stderr.write(`[bench:queue] cleanup "${step.what}" failed: ${(err as Error).message}\n`);
      }
    }
  }
}

/** pg_current_wal_lsn() as a byte position; WAL is cluster-wide, so deltas include other sessions' writes. */
export async function walPosition(pool: pg.Pool): Promise<bigint> {
  const { rows } = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const [hi = '0', lo = '0'] = (rows[0]?.lsn ?? '0/0').split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}
