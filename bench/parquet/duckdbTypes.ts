/** DuckDB column types for the Arrow types Cryo datasets use, as DuckDB reads them from Parquet. */
import { DataType, type Schema } from 'apache-arrow';

/** Arrow UInt32 → UINTEGER, UInt64 → UBIGINT, Binary → BLOB; anything else is not a Cryo logs type. */
export function duckdbType(type: DataType): string {
  if (DataType.isInt(type) && !type.isSigned && type.bitWidth === 32) return 'UINTEGER';
  if (DataType.isInt(type) && !type.isSigned && type.bitWidth === 64) return 'UBIGINT';
  if (DataType.isBinary(type)) return 'BLOB';
  throw new Error(`no DuckDB type mapped for Arrow ${String(type)}`);
}

/** Column name → DuckDB type, in schema order. */
export function duckdbColumnTypes(schema: Schema): Record<string, string> {
  return Object.fromEntries(schema.fields.map((field) => [field.name, duckdbType(field.type)]));
}
