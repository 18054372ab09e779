/**
 * The relations a query sees: one per dataset, named after it. What each is made of (which cold
 * files, which hot ranges) is decided per query by the registry snapshot; this module says what
 * kinds of relation there are and their DuckDB columns.
 */
import { DATASET_CATALOG, isCryoDataset, isHotDataset, type ArrowTypeName, type CryoDatasetName } from '../../drivers/datasets/catalog.js';

/** The DuckDB types Cryo's Arrow types read as from Parquet. */
export type DuckColumnType = 'UINTEGER' | 'UBIGINT' | 'BLOB' | 'VARCHAR' | 'DOUBLE' | 'BOOLEAN';

const DUCK_TYPES: { readonly [T in ArrowTypeName]: DuckColumnType } = {
  Uint32: 'UINTEGER',
  Uint64: 'UBIGINT',
  Binary: 'BLOB',
  Utf8: 'VARCHAR',
  Float64: 'DOUBLE',
  Bool: 'BOOLEAN',
};

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
  /** The cold files may lack some of `columns` (a stream excluded them): those read as NULL. */
  coldColumnsVary: boolean;
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

export function relationKind(dataset: string): RelationKind {
  if (isHotDataset(dataset)) return 'hot_and_cold';
  if (isCryoDataset(dataset)) return 'cold_facts';
  return 'latest_output';
}

/** A Cryo dataset's columns as the catalog defines them, typed as DuckDB reads them from its Parquet files. */
export function cryoColumns(dataset: CryoDatasetName): RelationColumn[] {
  return DATASET_CATALOG[dataset].columns.map((column) => ({ name: column.name, type: DUCK_TYPES[column.arrowType] }));
}

/**
 * The columns a relation keeps one row per: a cold-facts dataset's catalog key, since overlapping
 * registrations may repeat its rows; null for the other relations.
 */
export function distinctKey(relation: string): string[] | null {
  if (!isCryoDataset(relation) || relationKind(relation) !== 'cold_facts') return null;
  return [...DATASET_CATALOG[relation].key];
}
