import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** An in-memory DuckDB with one connection; close it before the thread that opened it may end. */
export interface MemoryDuckDb {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Opens an in-memory DuckDB that never installs or autoloads an extension (none can be downloaded
 * here, and a query must not be able to fetch one), with `settings` applied at creation.
 */
export async function openMemoryDuckDb(settings: Record<string, string> = {}): Promise<MemoryDuckDb> {
  const instance = await DuckDBInstance.create(':memory:', {
    ...settings,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
