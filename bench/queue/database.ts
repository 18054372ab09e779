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

/**
 * WAL written for one subject's relations, so that other connections on the shared server (the
 * other engineers' tests, the other subjects' cleanup) do not count: pg_walinspect reads the WAL
 * records between two positions and only those whose first block reference is one of the
 * subject's tables, their indexes or TOAST are summed (record length, full-page images included).
 * Commit records name no relation and are left out for every subject alike (~40 B per transaction).
 */
export const WAL_METHOD =
  'pg_walinspect: sum of record_length of WAL records whose first block reference is one of the subject\'s tables, indexes or TOAST; commit records excluded';

export class WalMeter {
  private constructor(
    private readonly pool: pg.Pool,
    /** The relations measured, schema-qualified (their indexes and TOAST count too). */
    readonly tables: readonly string[],
  ) {}

  /** Installs pg_walinspect in the bench database (superuser); fails naming the extension otherwise. */
  static async create(pool: pg.Pool, tables: readonly string[]): Promise<WalMeter> {
    await pool.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect SCHEMA public').catch((err: Error) => {
      throw new Error(`bench:queue measures WAL with the pg_walinspect extension (PostgreSQL 15+, superuser): ${err.message}`);
    });
    return new WalMeter(pool, tables);
  }

  async mark(): Promise<string> {
    const { rows } = await this.pool.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    return rows[0]!.lsn;
  }

  async bytesSince(mark: string): Promise<number> {
    const { rows } = await this.pool.query<{ bytes: number }>(
      `WITH rels AS (
         SELECT pg_relation_filenode(c.oid) AS node FROM pg_class c
         WHERE c.oid = ANY ($2::regclass[]) OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY ($2::regclass[]))
            OR c.oid IN (SELECT reltoastrelid FROM pg_class WHERE oid = ANY ($2::regclass[]))
       )
       SELECT coalesce(sum(record_length), 0)::float8 AS bytes
       FROM public.pg_get_wal_records_info($1::pg_lsn, pg_current_wal_flush_lsn())
       WHERE substring(block_ref FROM 'rel \\d+/\\d+/(\\d+)')::oid IN (SELECT node FROM rels)`,
      [mark, this.tables],
    );
    return rows[0]?.bytes ?? 0;
  }
}
