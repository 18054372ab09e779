import type { ExecutionContext } from 'ava';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** An in-memory DuckDB connection, closed at teardown. */
export async function duckdb(t: ExecutionContext): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  t.teardown(() => {
    connection.closeSync();
    instance.closeSync();
  });
  return connection;
}

/** The DuckDB types of Cryo `logs` read from Parquet: UInt32 → UINTEGER, UInt64 → UBIGINT, Binary → BLOB. */
export const CRYO_LOGS_DUCKDB_TYPES: readonly (readonly [string, string])[] = [
  ['block_number', 'UINTEGER'],
  ['block_hash', 'BLOB'],
  ['transaction_index', 'UINTEGER'],
  ['log_index', 'UINTEGER'],
  ['transaction_hash', 'BLOB'],
  ['address', 'BLOB'],
  ['topic0', 'BLOB'],
  ['topic1', 'BLOB'],
  ['topic2', 'BLOB'],
  ['topic3', 'BLOB'],
  ['data', 'BLOB'],
  ['n_data_bytes', 'UINTEGER'],
  ['chain_id', 'UBIGINT'],
];
