/**
 * The relations a query sees: one per dataset, named after it. What each is made of (which cold
 * files, which hot ranges) is decided per query by the registry snapshot; this module says what
 * kinds of relation there are and their DuckDB columns.
 */
import { DataType, type Field } from 'apache-arrow';
import { CRYO_SCHEMAS, type CryoDatasetName } from '../../drivers/parquet/cryoSchemas.js';
import { SYNC_DATASETS } from '../state/syncJobSpec.js';

/** The DuckDB types Cryo's Arrow types read as from Parquet (Uint32 → UINTEGER, Binary → BLOB, …). */
export type DuckColumnType = 'UINTEGER' | 'UBIGINT' | 'BLOB' | 'VARCHAR' | 'DOUBLE' | 'BOOLEAN';

export interface RelationColumn {
  name: string;
  type: DuckColumnType;
}

/** A registered range of rows that the query reads from its hot table in Postgres. */
export interface HotServedRange {
  chainId: string;
  start: string;
  end: string;
}

/**
 * One relation of one query, as the pool thread builds it: the union of its cold files (local
 * paths in the read-through cache) and its hot ranges. Plain data: it crosses the thread boundary.
 */
export interface RelationPlan {
  name: string;
  /** Known for the Cryo datasets; analytics outputs take theirs from their file. */
  columns: RelationColumn[] | null;
  coldFiles: string[];
  /** The quoted Postgres table holding the hot rows, when some ranges are served hot. */
  hotTable: string | null;
  hotRanges: HotServedRange[];
  /** Rows are facts that overlapping registrations may repeat (balances): keep one per key. */
  distinctOn: string[] | null;
}

export type RelationKind =
  /** Cryo datasets with hot tables: cold below the watermark, hot rows above it. */
  | 'hot_and_cold'
  /** Cryo datasets kept only as files (balances): every registered file, deduplicated. */
  | 'cold_facts'
  /** Outputs of analytics tasks: the newest committed version per chain. */
  | 'latest_output';

const HOT_DATASETS: ReadonlySet<string> = new Set(SYNC_DATASETS);

export function relationKind(dataset: string): RelationKind {
  if (HOT_DATASETS.has(dataset)) return 'hot_and_cold';
  if (dataset in CRYO_SCHEMAS) return 'cold_facts';
  return 'latest_output';
}

/** The Cryo datasets, always present as relations (empty until something is synced). */
export const CRYO_RELATIONS = Object.keys(CRYO_SCHEMAS) as CryoDatasetName[];

/** Rows of `balances` are identified by these; overlapping backfills may register a row twice. */
export const BALANCES_KEY = ['chain_id', 'block_number', 'address'];

export function cryoColumns(dataset: CryoDatasetName): RelationColumn[] {
  return CRYO_SCHEMAS[dataset].fields.map((field) => ({ name: field.name, type: duckType(field) }));
}

function duckType(field: Field): DuckColumnType {
  const type = field.type;
  if (DataType.isInt(type)) {
    if (type.isSigned) throw new Error(`cryo column ${field.name}: signed integers are not used by Cryo schemas`);
    return type.bitWidth === 64 ? 'UBIGINT' : 'UINTEGER';
  }
  if (DataType.isBinary(type)) return 'BLOB';
  if (DataType.isUtf8(type)) return 'VARCHAR';
  if (DataType.isFloat(type)) return 'DOUBLE';
  if (DataType.isBool(type)) return 'BOOLEAN';
  throw new Error(`cryo column ${field.name}: no DuckDB type for ${String(type)}`);
}
