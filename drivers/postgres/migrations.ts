import { readFileSync } from 'node:fs';
import pg from 'pg';
import { listSqlFiles, sqlPath } from './sqlStatements.js';
import type { SchemaNames } from './postgres.js';

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

const MIGRATIONS_FOLDER = 'migrations';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Migration files name their schemas as {{state}} and {{data}}; an installation's prefix fills them in. */
function renderMigration(text: string, schemas: SchemaNames): string {
  return text.replaceAll('{{state}}', quoteIdent(schemas.state)).replaceAll('{{data}}', quoteIdent(schemas.data));
}

function versionOf(file: string): number {
  const match = /^(\d+)_[a-z0-9_]+\.sql$/.exec(file);
  if (!match?.[1]) throw new Error(`migration file ${file} must be named NNNN_name.sql`);
  return Number(match[1]);
}

/**
 * Applies the forward-only migrations in sql/migrations that this installation has not applied,
 * each in its own transaction, under an advisory lock keyed by the installation, so processes
 * starting at the same time apply each file exactly once.
 */
export async function migrate(url: string, schemas: SchemaNames): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url, application_name: 'trace-lite migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`trace-lite:migrate:${schemas.state}`]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemas.state)}`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schemas.data)}`);
      const ledger = `${quoteIdent(schemas.state)}.schema_migrations`;
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${ledger} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${ledger}`)).rows.map((r) => r.version));
      const applied: string[] = [];
      for (const file of listSqlFiles(MIGRATIONS_FOLDER)) {
        const version = versionOf(file);
        if (done.has(version)) continue;
        const sql = renderMigration(readFileSync(sqlPath(`${MIGRATIONS_FOLDER}/${file}`), 'utf8'), schemas);
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query(`INSERT INTO ${ledger} (version, name) VALUES ($1, $2)`, [version, file]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${file} failed: ${(err as Error).message}`);
        }
        applied.push(file);
      }
      return { applied, alreadyApplied: done.size };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`trace-lite:migrate:${schemas.state}`]);
    }
  } finally {
    await client.end();
  }
}

/** Removes an installation's schemas (tests, and `trace-lite reset`). */
export async function dropInstallation(url: string, schemas: SchemaNames): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `DROP SCHEMA IF EXISTS ${quoteIdent(schemas.state)} CASCADE; DROP SCHEMA IF EXISTS ${quoteIdent(schemas.data)} CASCADE`,
    );
  } finally {
    await client.end();
  }
}
