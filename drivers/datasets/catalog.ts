/**
 * The catalog of the Cryo datasets this project writes: their names, and per dataset its columns in
 * Cryo's order (name, Arrow type, nullability, and the Postgres type where the dataset has a hot
 * table) and the columns that identify one of its rows on a chain. Everything else derives from it:
 * the Arrow schemas (arrowSchemas.ts) the decoders build and the Parquet files carry, the query
 * relations' columns, the datasets a sync stream may name, and the COPY column lists of the hot
 * tables. The hot tables themselves come from the migrations; test/datasets/catalog.test.ts checks
 * the migrated tables against this table.
 *
 * Arrow types are Cryo's: hashes, addresses and topics are variable-length Binary, not
 * FixedSizeBinary; a U256 value is a triple `<name>_binary` (32 bytes big-endian), `<name>_string`
 * (decimal), `<name>_f64`. Postgres types: UInt32 → bigint, UInt64 → numeric(20) (gas and fee fields
 * may use the full 64 bits; bigint stops at 2^63) except `chain_id`, which is bigint.
 */
import { eventColumns, eventOfConfig } from './logEvent.js';

/** Arrow types, spelled as apache-arrow prints them (`String(new Uint32())` is `Uint32`). */
export type ArrowTypeName = 'Uint32' | 'Uint64' | 'Binary' | 'Utf8' | 'Float64' | 'Bool';

/** Hot-table column types, spelled as the migrations declare them. */
export type HotColumnType = 'bigint' | 'numeric(20)' | 'bytea' | 'text' | 'double precision' | 'boolean';

export interface DatasetColumn {
  readonly name: string;
  readonly arrowType: ArrowTypeName;
  readonly nullable: boolean;
}

export interface HotDatasetColumn extends DatasetColumn {
  readonly hotType: HotColumnType;
}

interface DatasetShape {
  /** The columns that identify a row on a chain. */
  readonly key: readonly string[];
  /**
   * Every column the decoder produces, in Cryo's order: the default columns and the optional ones
   * a stream may add to its files (`columns: {include: [...]}`).
   */
  readonly decodedColumns: readonly DatasetColumn[];
  /** Cryo columns a stream may include in its files; not in the hot table or the query relation. */
  readonly optionalColumns: readonly string[];
}

/** A dataset kept only as cold files. */
export interface ColdDataset extends DatasetShape {
  readonly hotTable: false;
  /** The default columns: of the files, and of the query relation. */
  readonly columns: readonly DatasetColumn[];
}

/** A dataset kept as cold files and, for the recent blocks, as rows of the Postgres table of its name. */
export interface HotDataset extends DatasetShape {
  readonly hotTable: true;
  /** The default columns: of the files, the hot table and the query relation. */
  readonly columns: readonly HotDatasetColumn[];
}

type Nullability = 'NOT NULL' | 'NULL';
/** Optional columns are written to files only, when a stream includes them: no hot type. */
const FILE_ONLY = 'file only';
type ColdColumnRow = readonly [name: string, arrowType: ArrowTypeName, nullability: Nullability];
type HotColumnRow = readonly [name: string, arrowType: ArrowTypeName, nullability: Nullability, hotType: HotColumnType | typeof FILE_ONLY];

function hotDataset(key: readonly string[], rows: readonly HotColumnRow[]): HotDataset {
  const decodedColumns = rows.map(([name, arrowType, nullability]) => ({ name, arrowType, nullable: nullability === 'NULL' }));
  const columns = rows.flatMap(([name, arrowType, nullability, hotType]) =>
    hotType === FILE_ONLY ? [] : [{ name, arrowType, nullable: nullability === 'NULL', hotType }],
  );
  const optionalColumns = rows.filter((row) => row[3] === FILE_ONLY).map(([name]) => name);
  return { hotTable: true, key, columns, decodedColumns, optionalColumns };
}

function coldDataset(key: readonly string[], rows: readonly ColdColumnRow[]): ColdDataset {
  const columns = rows.map(([name, arrowType, nullability]) => ({ name, arrowType, nullable: nullability === 'NULL' }));
  return { hotTable: false, key, columns, decodedColumns: columns, optionalColumns: [] };
}

export const DATASET_CATALOG = {
  /**
   * One row per block: Cryo's default columns plus `parent_hash` in Cryo's order, as `cryo blocks
   * --include-columns parent_hash` writes it (reorg checks read it); the other header fields are
   * optional. Only `base_fee_per_gas` of the defaults is nullable (blocks before EIP-1559 have none).
   */
  blocks: hotDataset(
    ['chain_id', 'block_hash'],
    [
      ['block_hash',              'Binary',  'NOT NULL', 'bytea'],
      ['parent_hash',             'Binary',  'NOT NULL', 'bytea'],
      ['uncles_hash',             'Binary',  'NOT NULL', FILE_ONLY],
      ['author',                  'Binary',  'NOT NULL', 'bytea'],
      ['state_root',              'Binary',  'NOT NULL', FILE_ONLY],
      ['transactions_root',       'Binary',  'NOT NULL', FILE_ONLY],
      ['receipts_root',           'Binary',  'NOT NULL', FILE_ONLY],
      ['block_number',            'Uint32',  'NOT NULL', 'bigint'],
      ['gas_used',                'Uint64',  'NOT NULL', 'numeric(20)'],
      ['gas_limit',               'Uint64',  'NOT NULL', FILE_ONLY],
      ['extra_data',              'Binary',  'NOT NULL', 'bytea'],
      ['logs_bloom',              'Binary',  'NULL',     FILE_ONLY],
      ['timestamp',               'Uint32',  'NOT NULL', 'bigint'],
      ['difficulty',              'Uint64',  'NOT NULL', FILE_ONLY],
      ['total_difficulty_binary', 'Binary',  'NULL',     FILE_ONLY],
      ['total_difficulty_string', 'Utf8',    'NULL',     FILE_ONLY],
      ['total_difficulty_f64',    'Float64', 'NULL',     FILE_ONLY],
      ['size',                    'Uint64',  'NULL',     FILE_ONLY],
      ['mix_hash',                'Binary',  'NULL',     FILE_ONLY],
      ['nonce',                   'Binary',  'NULL',     FILE_ONLY],
      ['base_fee_per_gas',        'Uint64',  'NULL',     'numeric(20)'],
      ['withdrawals_root',        'Binary',  'NULL',     FILE_ONLY],
      ['chain_id',                'Uint64',  'NOT NULL', 'bigint'],
    ],
  ),
  /**
   * One row per transaction, Cryo's default columns; `gas_used` and `success` come from the
   * block's receipts. Nullable: `to_address` (contract creations) and the fee columns a transaction
   * type lacks. `transaction_type` is 0 for legacy transactions, as Cryo writes it. Optional:
   * `block_hash`, `timestamp` and the signature (`r`, `s`, `v` the y parity); Cryo's `n_rlp_bytes`
   * is not produced.
   */
  transactions: hotDataset(
    ['chain_id', 'transaction_hash'],
    [
      ['block_number',             'Uint32',  'NOT NULL', 'bigint'],
      ['transaction_index',        'Uint64',  'NOT NULL', 'numeric(20)'],
      ['transaction_hash',         'Binary',  'NOT NULL', 'bytea'],
      ['nonce',                    'Uint64',  'NOT NULL', 'numeric(20)'],
      ['from_address',             'Binary',  'NOT NULL', 'bytea'],
      ['to_address',               'Binary',  'NULL',     'bytea'],
      ['value_binary',             'Binary',  'NOT NULL', 'bytea'],
      ['value_string',             'Utf8',    'NOT NULL', 'text'],
      ['value_f64',                'Float64', 'NOT NULL', 'double precision'],
      ['input',                    'Binary',  'NOT NULL', 'bytea'],
      ['gas_limit',                'Uint64',  'NOT NULL', 'numeric(20)'],
      ['gas_used',                 'Uint64',  'NOT NULL', 'numeric(20)'],
      ['gas_price',                'Uint64',  'NULL',     'numeric(20)'],
      ['transaction_type',         'Uint32',  'NOT NULL', 'bigint'],
      ['max_priority_fee_per_gas', 'Uint64',  'NULL',     'numeric(20)'],
      ['max_fee_per_gas',          'Uint64',  'NULL',     'numeric(20)'],
      ['success',                  'Bool',    'NOT NULL', 'boolean'],
      ['n_input_bytes',            'Uint32',  'NOT NULL', 'bigint'],
      ['n_input_zero_bytes',       'Uint32',  'NOT NULL', 'bigint'],
      ['n_input_nonzero_bytes',    'Uint32',  'NOT NULL', 'bigint'],
      ['block_hash',               'Binary',  'NOT NULL', FILE_ONLY],
      ['timestamp',                'Uint32',  'NOT NULL', FILE_ONLY],
      ['r',                        'Binary',  'NOT NULL', FILE_ONLY],
      ['s',                        'Binary',  'NOT NULL', FILE_ONLY],
      ['v',                        'Bool',    'NOT NULL', FILE_ONLY],
      ['chain_id',                 'Uint64',  'NOT NULL', 'bigint'],
    ],
  ),
  /**
   * One row per emitted event log: Cryo's default columns plus `block_hash` in Cryo's order, as
   * `cryo logs --include-columns block_hash` writes it (it is in the key). Only the topics are
   * nullable (a log has 0–4 topics).
   */
  logs: hotDataset(
    ['chain_id', 'block_hash', 'log_index'],
    [
      ['block_number',      'Uint32', 'NOT NULL', 'bigint'],
      ['block_hash',        'Binary', 'NOT NULL', 'bytea'],
      ['transaction_index', 'Uint32', 'NOT NULL', 'bigint'],
      ['log_index',         'Uint32', 'NOT NULL', 'bigint'],
      ['transaction_hash',  'Binary', 'NOT NULL', 'bytea'],
      ['address',           'Binary', 'NOT NULL', 'bytea'],
      ['topic0',            'Binary', 'NULL',     'bytea'],
      ['topic1',            'Binary', 'NULL',     'bytea'],
      ['topic2',            'Binary', 'NULL',     'bytea'],
      ['topic3',            'Binary', 'NULL',     'bytea'],
      ['data',              'Binary', 'NOT NULL', 'bytea'],
      ['n_data_bytes',      'Uint32', 'NOT NULL', 'bigint'],
      ['chain_id',          'Uint64', 'NOT NULL', 'bigint'],
    ],
  ),
  /**
   * One row per call frame of `debug_traceBlockByNumber` with the callTracer, depth-first (a frame,
   * then its sub-calls in order). `typ` is Cryo's name for the frame type; `trace_address` is the
   * frame's path of sub-call indices joined by spaces ("" for the top call, "0 2" for the third
   * sub-call of the first), so depth is its number of entries. `gas` and `gas_used` are U256
   * triples, as Cryo writes them.
   */
  geth_calls: hotDataset(
    ['chain_id', 'transaction_hash', 'trace_address'],
    [
      ['typ',               'Utf8',    'NOT NULL', 'text'],
      ['from_address',      'Binary',  'NOT NULL', 'bytea'],
      ['to_address',        'Binary',  'NULL',     'bytea'],
      ['value_binary',      'Binary',  'NULL',     'bytea'],
      ['value_string',      'Utf8',    'NULL',     'text'],
      ['value_f64',         'Float64', 'NULL',     'double precision'],
      ['gas_binary',        'Binary',  'NOT NULL', 'bytea'],
      ['gas_string',        'Utf8',    'NOT NULL', 'text'],
      ['gas_f64',           'Float64', 'NOT NULL', 'double precision'],
      ['gas_used_binary',   'Binary',  'NOT NULL', 'bytea'],
      ['gas_used_string',   'Utf8',    'NOT NULL', 'text'],
      ['gas_used_f64',      'Float64', 'NOT NULL', 'double precision'],
      ['input',             'Binary',  'NOT NULL', 'bytea'],
      ['output',            'Binary',  'NULL',     'bytea'],
      ['error',             'Utf8',    'NULL',     'text'],
      ['block_number',      'Uint32',  'NOT NULL', 'bigint'],
      ['transaction_hash',  'Binary',  'NOT NULL', 'bytea'],
      ['transaction_index', 'Uint32',  'NOT NULL', 'bigint'],
      ['trace_address',     'Utf8',    'NOT NULL', 'text'],
      ['chain_id',          'Uint64',  'NOT NULL', 'bigint'],
    ],
  ),
  /**
   * One row per transaction and account whose native balance the transaction changed, from the
   * prestateTracer in diff mode (drivers/chain/datasets/gethBalanceDiffs.ts says where the rows
   * differ from Cryo's). `from_value`/`to_value` are the balance before and after.
   */
  geth_balance_diffs: hotDataset(
    ['chain_id', 'transaction_hash', 'address'],
    [
      ['block_number',      'Uint32',  'NOT NULL', 'bigint'],
      ['transaction_index', 'Uint64',  'NOT NULL', 'numeric(20)'],
      ['transaction_hash',  'Binary',  'NOT NULL', 'bytea'],
      ['address',           'Binary',  'NOT NULL', 'bytea'],
      ['from_value_binary', 'Binary',  'NOT NULL', 'bytea'],
      ['from_value_string', 'Utf8',    'NOT NULL', 'text'],
      ['from_value_f64',    'Float64', 'NOT NULL', 'double precision'],
      ['to_value_binary',   'Binary',  'NOT NULL', 'bytea'],
      ['to_value_string',   'Utf8',    'NOT NULL', 'text'],
      ['to_value_f64',      'Float64', 'NOT NULL', 'double precision'],
      ['chain_id',          'Uint64',  'NOT NULL', 'bigint'],
    ],
  ),
  /**
   * One row per (block, address) read with `eth_getBalance`. Overlapping backfills may register a
   * row twice, so queries keep one row per key.
   */
  balances: coldDataset(
    ['chain_id', 'block_number', 'address'],
    [
      ['block_number',   'Uint32',  'NOT NULL'],
      ['address',        'Binary',  'NOT NULL'],
      ['balance_binary', 'Binary',  'NOT NULL'],
      ['balance_string', 'Utf8',    'NOT NULL'],
      ['balance_f64',    'Float64', 'NOT NULL'],
      ['chain_id',       'Uint64',  'NOT NULL'],
    ],
  ),
};

export type CryoDatasetName = keyof typeof DATASET_CATALOG;

/** The datasets with a hot table (which are the ones a sync stream ingests). */
export type HotDatasetName = { [D in CryoDatasetName]: (typeof DATASET_CATALOG)[D] extends HotDataset ? D : never }[CryoDatasetName];

export function isCryoDataset(name: string): name is CryoDatasetName {
  return Object.hasOwn(DATASET_CATALOG, name);
}

export function isHotDataset(name: string): name is HotDatasetName {
  return isCryoDataset(name) && DATASET_CATALOG[name].hotTable;
}

/** Every dataset name, in catalog order. */
export const CRYO_DATASETS = Object.keys(DATASET_CATALOG) as readonly CryoDatasetName[];

/** The datasets with a hot table, in catalog order. */
export const HOT_DATASETS: readonly HotDatasetName[] = CRYO_DATASETS.filter(isHotDataset);

/** The hot table's columns that COPY fills, in catalog order (the order the COPY text is rendered in). */
export function hotColumnNames(dataset: HotDatasetName): string[] {
  return DATASET_CATALOG[dataset].columns.map((column) => column.name);
}

/** A stream's choice of file columns, as Cryo's `--include-columns` / `--exclude-columns`. */
export interface ColumnSelection {
  readonly include?: readonly string[] | undefined;
  readonly exclude?: readonly string[] | undefined;
}

/** Columns no file may go without: the row's key, its block and its chain. */
function requiredColumns(dataset: CryoDatasetName): Set<string> {
  return new Set([...DATASET_CATALOG[dataset].key, 'block_number', 'chain_id']);
}

/** One reason a column selection cannot apply, with the list (include or exclude) holding the bad name. */
export interface ColumnSelectionError {
  field: 'include' | 'exclude';
  message: string;
}

/** Why `selection` cannot apply to the dataset's files, one reason per bad name; [] when it can. */
export function columnSelectionErrors(dataset: CryoDatasetName, selection: ColumnSelection): ColumnSelectionError[] {
  const spec = DATASET_CATALOG[dataset];
  const defaults = spec.columns.map((c) => c.name);
  const required = requiredColumns(dataset);
  const errors: ColumnSelectionError[] = [];
  for (const name of selection.include ?? []) {
    if (!spec.optionalColumns.includes(name) && !defaults.includes(name)) {
      errors.push({ field: 'include', message: `${dataset} has no optional column "${name}" (optional: ${spec.optionalColumns.join(', ') || 'none'})` });
    }
  }
  for (const name of selection.exclude ?? []) {
    if (required.has(name)) errors.push({ field: 'exclude', message: `"${name}" is needed in every ${dataset} file (${[...required].join(', ')})` });
    else if (!defaults.includes(name)) errors.push({ field: 'exclude', message: `"${name}" is not a default column of ${dataset} (${defaults.join(', ')})` });
  }
  return errors;
}

/** The columns a file of the dataset holds under `selection`, in Cryo's order. */
export function fileColumnNames(dataset: CryoDatasetName, selection: ColumnSelection = {}): string[] {
  const errors = columnSelectionErrors(dataset, selection);
  if (errors.length > 0) throw new RangeError(errors.map((e) => `columns.${e.field}: ${e.message}`).join('; '));
  const chosen = new Set([...DATASET_CATALOG[dataset].columns.map((c) => c.name), ...(selection.include ?? [])]);
  for (const name of selection.exclude ?? []) chosen.delete(name);
  return DATASET_CATALOG[dataset].decodedColumns.map((c) => c.name).filter((name) => chosen.has(name));
}

/** What a config hash says about a file's columns: `;columns=a+b+…` when they are not the defaults. */
const COLUMNS_MARK = ';columns=';

/** The config-hash part naming a file's columns: empty for the default columns, else the columns written. */
export function columnsConfig(dataset: CryoDatasetName, selection: ColumnSelection = {}): string {
  const names = fileColumnNames(dataset, selection);
  const defaults = DATASET_CATALOG[dataset].columns.map((c) => c.name);
  const isDefault = names.length === defaults.length && names.every((name, i) => name === defaults[i]);
  return isDefault ? '' : `${COLUMNS_MARK}${names.join('+')}`;
}

/**
 * Whether a version's files may lack some default columns or hold other ones (its config hash
 * says so: chosen columns, or an event's decoded columns).
 */
export function hasChosenColumns(configHash: string): boolean {
  return configHash.includes(COLUMNS_MARK) || eventOfConfig(configHash) !== undefined;
}

/**
 * The columns a registered file holds with their Arrow types, by its dataset and config hash (see
 * columnsConfig; an event's decoded columns come last, see logEvent.ts). The event's mark precedes
 * the columns' in a config hash, which runs to its end.
 */
export function columnsOfConfig(dataset: CryoDatasetName, configHash: string): Array<{ name: string; type: string }> {
  const at = configHash.indexOf(COLUMNS_MARK);
  const names = at < 0 ? fileColumnNames(dataset) : configHash.slice(at + COLUMNS_MARK.length).split('+');
  const types = new Map<string, string>(DATASET_CATALOG[dataset].decodedColumns.map((c) => [c.name, c.arrowType]));
  const event = eventOfConfig(configHash);
  return [...names.map((name) => ({ name, type: types.get(name) ?? '?' })), ...(event === undefined ? [] : eventColumns(event))];
}
