/**
 * Cryo's own schemas, as read from its source (github.com/paradigmxyz/cryo, crates/freeze): the
 * reference the catalog (catalog.ts) is checked against, never the other way round.
 *
 * Column order is the order Cryo's dataframe gets, not its default-column list: the `to_df` macro
 * (crates/to_df/src/lib.rs) pushes the columns in the dataset struct's field order, skipping
 * `chain_id`, then `chain_id` last; `sort_by_schema` (crates/freeze/src/types/dataframes/sort.rs)
 * sorts rows, not columns. A `U256` field becomes `<name>_binary`, `<name>_string`, `<name>_f64`
 * (`with_series_u256`, crates/freeze/src/types/dataframes/creation.rs; the default u256 types are
 * binary, string, f64: crates/cli/src/parse/schemas.rs). Types map as the macro's
 * `map_type_to_column_type` does: u32 → UInt32, u64 → UInt64, Vec<u8> → Binary, String → Utf8,
 * bool → Bool, f64 → Float64. `default` marks the columns of the dataset's `default_columns()`;
 * a dataset without that list writes every column.
 */
import type { ArrowTypeName, CryoDatasetName } from './catalog.js';

export interface CryoColumn {
  readonly name: string;
  readonly arrowType: ArrowTypeName;
  /** In Cryo's default column set (what `cryo <dataset>` writes without --include/--exclude-columns). */
  readonly default: boolean;
}

type FieldType = 'u32' | 'u64' | 'U256' | 'bytes' | 'string' | 'bool';
type Field = readonly [name: string, type: FieldType, inDefault: boolean];

const SCALAR: { readonly [T in Exclude<FieldType, 'U256'>]: ArrowTypeName } = { u32: 'Uint32', u64: 'Uint64', bytes: 'Binary', string: 'Utf8', bool: 'Bool' };

/** A dataset struct's fields (in declaration order, `chain_id` omitted) → the dataframe's columns. */
function dataframe(fields: readonly Field[]): CryoColumn[] {
  const columns = fields.flatMap(([name, type, isDefault]): CryoColumn[] =>
    type === 'U256'
      ? [
          { name: `${name}_binary`, arrowType: 'Binary', default: isDefault },
          { name: `${name}_string`, arrowType: 'Utf8', default: isDefault },
          { name: `${name}_f64`, arrowType: 'Float64', default: isDefault },
        ]
      : [{ name, arrowType: SCALAR[type], default: isDefault }],
  );
  return [...columns, { name: 'chain_id', arrowType: 'Uint64', default: true }];
}

export const CRYO_SCHEMA_TABLE: { readonly [D in CryoDatasetName]: readonly CryoColumn[] } = {
  /** crates/freeze/src/datasets/blocks.rs: struct Blocks; default_columns() lists 8. */
  blocks: dataframe([
    ['block_hash', 'bytes', true],
    ['parent_hash', 'bytes', false],
    ['uncles_hash', 'bytes', false],
    ['author', 'bytes', true],
    ['state_root', 'bytes', false],
    ['transactions_root', 'bytes', false],
    ['receipts_root', 'bytes', false],
    ['block_number', 'u32', true],
    ['gas_used', 'u64', true],
    ['gas_limit', 'u64', false],
    ['extra_data', 'bytes', true],
    ['logs_bloom', 'bytes', false],
    ['timestamp', 'u32', true],
    ['difficulty', 'u64', false],
    ['total_difficulty', 'U256', false],
    ['size', 'u64', false],
    ['mix_hash', 'bytes', false],
    ['nonce', 'bytes', false],
    ['base_fee_per_gas', 'u64', true],
    ['withdrawals_root', 'bytes', false],
  ]),
  /** crates/freeze/src/datasets/transactions.rs: struct Transactions (chain_id sits before timestamp there; the macro moves it last). */
  transactions: dataframe([
    ['block_number', 'u32', true],
    ['transaction_index', 'u64', true],
    ['transaction_hash', 'bytes', true],
    ['nonce', 'u64', true],
    ['from_address', 'bytes', true],
    ['to_address', 'bytes', true],
    ['value', 'U256', true],
    ['input', 'bytes', true],
    ['gas_limit', 'u64', true],
    ['gas_used', 'u64', true],
    ['gas_price', 'u64', true],
    ['transaction_type', 'u32', true],
    ['max_priority_fee_per_gas', 'u64', true],
    ['max_fee_per_gas', 'u64', true],
    ['success', 'bool', true],
    ['n_input_bytes', 'u32', true],
    ['n_input_zero_bytes', 'u32', true],
    ['n_input_nonzero_bytes', 'u32', true],
    ['n_rlp_bytes', 'u32', false],
    ['block_hash', 'bytes', false],
    ['timestamp', 'u32', false],
    ['r', 'bytes', false],
    ['s', 'bytes', false],
    ['v', 'bool', false],
  ]),
  /** crates/freeze/src/datasets/logs.rs: struct Logs (block_hash is commented out of default_columns(); event_cols come after chain_id). */
  logs: dataframe([
    ['block_number', 'u32', true],
    ['block_hash', 'bytes', false],
    ['transaction_index', 'u32', true],
    ['log_index', 'u32', true],
    ['transaction_hash', 'bytes', true],
    ['address', 'bytes', true],
    ['topic0', 'bytes', true],
    ['topic1', 'bytes', true],
    ['topic2', 'bytes', true],
    ['topic3', 'bytes', true],
    ['data', 'bytes', true],
    ['n_data_bytes', 'u32', true],
  ]),
  /** crates/freeze/src/datasets/geth_calls.rs: struct GethCalls (no default_columns(): every column). */
  geth_calls: dataframe([
    ['typ', 'string', true],
    ['from_address', 'bytes', true],
    ['to_address', 'bytes', true],
    ['value', 'U256', true],
    ['gas', 'U256', true],
    ['gas_used', 'U256', true],
    ['input', 'bytes', true],
    ['output', 'bytes', true],
    ['error', 'string', true],
    ['block_number', 'u32', true],
    ['transaction_hash', 'bytes', true],
    ['transaction_index', 'u32', true],
    ['trace_address', 'string', true],
  ]),
  /** crates/freeze/src/datasets/geth_balance_diffs.rs: struct GethBalanceDiffs (no default_columns(): every column). */
  geth_balance_diffs: dataframe([
    ['block_number', 'u32', true],
    ['transaction_index', 'u64', true],
    ['transaction_hash', 'bytes', true],
    ['address', 'bytes', true],
    ['from_value', 'U256', true],
    ['to_value', 'U256', true],
  ]),
  /** crates/freeze/src/datasets/balances.rs: struct Balances (no default_columns(): every column). */
  balances: dataframe([
    ['block_number', 'u32', true],
    ['address', 'bytes', true],
    ['balance', 'U256', true],
  ]),
};

/**
 * Cryo's file-name prefix for a chain id (crates/cli/src/parse/file_output.rs, parse_network_name):
 * its names for the chains it knows, `network_<id>` for the others (Monad's 143 and 10143 among them).
 */
const CRYO_NETWORK_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'ethereum'],
  [5, 'goerli'],
  [10, 'optimism'],
  [56, 'bnb'],
  [69, 'optimism_kovan'],
  [100, 'gnosis'],
  [137, 'polygon'],
  [420, 'optimism_goerli'],
  [1101, 'polygon_zkevm'],
  [1442, 'polygon_zkevm_testnet'],
  [8453, 'base'],
  [10200, 'gnosis_chidao'],
  [17000, 'holesky'],
  [42161, 'arbitrum'],
  [42170, 'arbitrum_nova'],
  [43114, 'avalanche'],
  [80001, 'polygon_mumbai'],
  [84531, 'base_goerli'],
  [7777777, 'zora'],
  [11155111, 'sepolia'],
]);

export function cryoNetworkName(chainId: number): string {
  return CRYO_NETWORK_NAMES.get(chainId) ?? `network_${chainId}`;
}
