/**
 * Query results out of DuckDB: JSON-safe cells, and the download formats (CSV, Arrow IPC, Parquet).
 * Exact numbers stay exact: 128-bit integers and decimals are decimal strings, never floats, and
 * 64-bit integers are numbers only while they fit 2^53. Blobs (addresses, hashes) are `0x` hex.
 */
import { DuckDBBlobValue, DuckDBDecimalValue, type DuckDBValue } from '@duckdb/node-api';
import { Binary, Bool, Float64, Int64, RecordBatchStreamWriter, Table, Uint64, Utf8, vectorFromArray, type DataType } from 'apache-arrow';
import { recordBatchesToIpcChunks, writeParquet } from '../../drivers/parquet/parquetWriter.js';
import type { DownloadFormat, ResultCell, ResultColumn } from './queryTypes.js';

const SIGNED_INTEGERS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT']);
const UNSIGNED_INTEGERS = new Set(['UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']);

/** The cell converter for a column of DuckDB type `type` (as `DuckDBType.toString()` names it). */
export function cellConverter(type: string): (value: DuckDBValue) => ResultCell {
  // 128-bit integers and decimals are strings in every row, not only the large ones.
  if (type === 'HUGEINT' || type === 'UHUGEINT' || type.startsWith('DECIMAL')) return (value) => (value === null ? null : String(value));
  return toCell;
}

function toCell(value: DuckDBValue): ResultCell {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof DuckDBBlobValue) return `0x${Buffer.from(value.bytes).toString('hex')}`;
  if (value instanceof DuckDBDecimalValue) return value.toString();
  return String(value);
}

export const CONTENT_TYPES: Record<DownloadFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
};

export async function encodeResult(format: DownloadFormat, columns: readonly ResultColumn[], rows: readonly ResultCell[][]): Promise<Uint8Array> {
  switch (format) {
    case 'csv':
      return new TextEncoder().encode(toCsv(columns, rows));
    case 'arrow':
      return toArrowIpc(columns, rows);
    case 'parquet': {
      const parts: Uint8Array[] = [];
      for await (const part of writeParquet(recordBatchesToIpcChunks(toArrowTable(columns, rows)), { compression: 'zstd' })) parts.push(part);
      return Buffer.concat(parts);
    }
  }
}

function toCsv(columns: readonly ResultColumn[], rows: readonly ResultCell[][]): string {
  const field = (cell: ResultCell): string => {
    if (cell === null) return '';
    const s = String(cell);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = [columns.map((c) => field(c.name)).join(',')];
  for (const row of rows) lines.push(row.map(field).join(','));
  return `${lines.join('\n')}\n`;
}

function toArrowIpc(columns: readonly ResultColumn[], rows: readonly ResultCell[][]): Uint8Array {
  const table = toArrowTable(columns, rows);
  const chunks = [...recordBatchesToIpcChunks(table)];
  // An empty result still carries its schema.
  return chunks.length > 0 ? Buffer.concat(chunks) : RecordBatchStreamWriter.writeAll(new Table(table.schema)).toUint8Array(true);
}

function toArrowTable(columns: readonly ResultColumn[], rows: readonly ResultCell[][]): Table {
  const vectors = Object.fromEntries(
    columns.map((column, i) => {
      const { type, convert } = arrowColumn(column.type);
      return [column.name, vectorFromArray(rows.map((row) => (row[i] === null ? null : convert(row[i]!))), type)];
    }),
  );
  return new Table(vectors);
}

function arrowColumn(duckType: string): { type: DataType; convert: (cell: string | number | boolean) => unknown } {
  if (duckType === 'BOOLEAN') return { type: new Bool(), convert: (c) => c === true || c === 'true' };
  if (SIGNED_INTEGERS.has(duckType)) return { type: new Int64(), convert: (c) => BigInt(c) };
  if (UNSIGNED_INTEGERS.has(duckType)) return { type: new Uint64(), convert: (c) => BigInt(c) };
  if (duckType === 'DOUBLE' || duckType === 'FLOAT') return { type: new Float64(), convert: (c) => Number(c) };
  if (duckType === 'BLOB') return { type: new Binary(), convert: (c) => Buffer.from(String(c).slice(2), 'hex') };
  return { type: new Utf8(), convert: (c) => String(c) };
}
