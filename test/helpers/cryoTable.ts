/**
 * What a default file of each dataset must hold, taken from Cryo's schema table
 * (drivers/datasets/cryoSchemas.ts, read from Cryo's source) and not from the catalog it checks.
 */
import type { ArrowTypeName, CryoDatasetName } from '../../drivers/datasets/catalog.js';
import { CRYO_SCHEMA_TABLE } from '../../drivers/datasets/cryoSchemas.js';

/** The DuckDB type each Arrow type reads back as from Parquet. */
export const DUCKDB_TYPES: Record<ArrowTypeName, string> = { Uint32: 'UINTEGER', Uint64: 'UBIGINT', Binary: 'BLOB', Utf8: 'VARCHAR', Float64: 'DOUBLE', Bool: 'BOOLEAN' };

/** Cryo columns this project writes by default beyond Cryo's defaults (each is Cryo's optional column, in Cryo's place). */
const PLATFORM_EXTRAS: Partial<Record<CryoDatasetName, string[]>> = { blocks: ['parent_hash'], logs: ['block_hash'] };

/** A default file's columns: name, Arrow type, DuckDB type, in Cryo's order. */
export function cryoDefaultColumns(dataset: CryoDatasetName): (readonly [string, ArrowTypeName, string])[] {
  return CRYO_SCHEMA_TABLE[dataset].filter((c) => c.default || PLATFORM_EXTRAS[dataset]?.includes(c.name)).map((c) => [c.name, c.arrowType, DUCKDB_TYPES[c.arrowType]] as const);
}
