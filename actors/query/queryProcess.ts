/**
 * A query process (a child of the Query Service's process pool, runtime/processes/): one DuckDB
 * that lives as long as the process, locked once before any user SQL, and one query at a time in
 * it on a fresh connection (queryThreadJob.ts).
 *
 * Set up once, trusted, in this order: extensions never installed or loaded; memory capped at
 * TRACE_QUERY_MEMORY_MB (one query at a time, so the instance's cap is the query's); spilling to
 * this process's own temp directory, capped at TRACE_QUERY_SPILL_MB; files readable only under the
 * query cache directory, then external access off; an empty table per relation the trusted macros
 * read (the macros are bound against them when created; at call time a query's own temporary view
 * of the same name comes first on the search path); the trusted macros; the configuration locked.
 * Nothing a query creates outlives its connection: its views and hot tables are temporary objects
 * of that connection, and user SQL can neither create nor change anything (the gate allows one
 * SELECT, and the lock refuses every SET).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isCryoDataset } from '../../drivers/datasets/catalog.js';
import { openMemoryDuckDb } from '../../drivers/duckdb/memoryDuckDb.js';
import type { ProcessJobs } from '../../runtime/processes/processJobs.js';
import { loadQueryMacros } from './queryMacros.js';
import { runQuery, type QueryThreadInput } from './queryThreadJob.js';
import { cryoColumns } from './relations.js';

export interface QueryProcessOptions {
  /** The query cache directory: the only place a query may read files from. */
  cacheDir: string;
  /** Parent of the per-process spill directories. */
  spillDir: string;
  memoryLimitMb: number;
  spillLimitMb: number;
  threads: number;
}

/** This process's spill directory. */
export function spillDirOf(spillDir: string, pid: number): string {
  return path.join(spillDir, String(pid));
}

export async function openProcessJobs(options: QueryProcessOptions): Promise<ProcessJobs> {
  const tempDir = spillDirOf(options.spillDir, process.pid);
  // A pid is reused after a killed process's files were left behind.
  await rm(tempDir, { recursive: true, force: true });
  const duckdb = await openMemoryDuckDb({
    threads: String(options.threads),
    memory_limit: `${options.memoryLimitMb}MB`,
    temp_directory: tempDir,
    max_temp_directory_size: `${options.spillLimitMb}MB`,
  });
  const macros = loadQueryMacros();
  const placeholders = [...new Set(macros.flatMap((m) => m.reads))].filter(isCryoDataset).map((name) => {
    const columns = cryoColumns(name).map((c) => `"${c.name}" ${c.type}`).join(', ');
    return `CREATE TABLE main."${name}" (${columns})`;
  });
  const cacheDir = `${path.resolve(options.cacheDir)}${path.sep}`;
  await duckdb.connection.run(
    [
      `SET allowed_directories = ['${cacheDir.replaceAll("'", "''")}']`,
      'SET enable_external_access = false',
      ...placeholders,
      ...macros.map((m) => m.sql),
      'SET lock_configuration = true',
    ].join(';\n'),
  );
  return {
    jobs: {
      runQuery: (input: QueryThreadInput, signal: AbortSignal) => runQuery(duckdb.instance, input, signal),
    },
    close: () => duckdb.close(),
  };
}
