/**
 * Arrow schemas of Cryo datasets, column for column as Cryo writes them (names, order, types), so
 * files compacted here read like Cryo's own. Hashes, addresses and topics are variable-length Binary
 * as in Cryo, not FixedSizeBinary.
 */
import { Binary, Bool, Field, Float64, Schema, Uint32, Uint64, Utf8 } from 'apache-arrow';

/** Cryo `logs`: one row per emitted event log. Only the topics are nullable (a log has 0–4 topics). */
export const cryoLogsSchema = new Schema([
  new Field('block_number', new Uint32(), false),
  new Field('block_hash', new Binary(), false),
  new Field('transaction_index', new Uint32(), false),
  new Field('log_index', new Uint32(), false),
  new Field('transaction_hash', new Binary(), false),
  new Field('address', new Binary(), false),
  new Field('topic0', new Binary(), true),
  new Field('topic1', new Binary(), true),
  new Field('topic2', new Binary(), true),
  new Field('topic3', new Binary(), true),
  new Field('data', new Binary(), false),
  new Field('n_data_bytes', new Uint32(), false),
  new Field('chain_id', new Uint64(), false),
]);

/** Column names of Cryo `logs`, in schema order. */
export const CRYO_LOGS_COLUMNS: readonly string[] = cryoLogsSchema.fields.map((field) => field.name);

/** Cryo's U256 columns for one value: `<name>_binary` (32 bytes big-endian), `<name>_string` (decimal), `<name>_f64`. */
function u256Fields(name: string, nullable: boolean): Field[] {
  return [new Field(`${name}_binary`, new Binary(), nullable), new Field(`${name}_string`, new Utf8(), nullable), new Field(`${name}_f64`, new Float64(), nullable)];
}

/**
 * Cryo `blocks`: one row per block. Cryo's default columns in Cryo's order, then `parent_hash`, as
 * `cryo blocks --include-columns parent_hash` writes it (the tip follower detects reorgs by it).
 * Only `base_fee_per_gas` is nullable (blocks before EIP-1559 have none).
 */
export const cryoBlocksSchema = new Schema([
  new Field('block_number', new Uint32(), false),
  new Field('block_hash', new Binary(), false),
  new Field('timestamp', new Uint32(), false),
  new Field('author', new Binary(), false),
  new Field('gas_used', new Uint64(), false),
  new Field('extra_data', new Binary(), false),
  new Field('base_fee_per_gas', new Uint64(), true),
  new Field('chain_id', new Uint64(), false),
  new Field('parent_hash', new Binary(), false),
]);

/**
 * Cryo `transactions`: one row per transaction, Cryo's default columns; `gas_used` and `success`
 * come from the block's receipts. Nullable: `to_address` (contract creations), the fee columns a
 * transaction type lacks, and `transaction_type` (nodes omit it for pre-EIP-2718 transactions).
 */
export const cryoTransactionsSchema = new Schema([
  new Field('block_number', new Uint32(), false),
  new Field('transaction_index', new Uint64(), false),
  new Field('transaction_hash', new Binary(), false),
  new Field('nonce', new Uint64(), false),
  new Field('from_address', new Binary(), false),
  new Field('to_address', new Binary(), true),
  ...u256Fields('value', false),
  new Field('input', new Binary(), false),
  new Field('gas_limit', new Uint64(), false),
  new Field('gas_used', new Uint64(), false),
  new Field('gas_price', new Uint64(), true),
  new Field('transaction_type', new Uint32(), true),
  new Field('max_priority_fee_per_gas', new Uint64(), true),
  new Field('max_fee_per_gas', new Uint64(), true),
  new Field('success', new Bool(), false),
  new Field('n_input_bytes', new Uint32(), false),
  new Field('n_input_zero_bytes', new Uint32(), false),
  new Field('n_input_nonzero_bytes', new Uint32(), false),
  new Field('chain_id', new Uint64(), false),
]);

/**
 * Cryo `geth_calls`: one row per call frame of `debug_traceBlockByNumber` with the callTracer,
 * depth-first (a frame, then its sub-calls in order). `typ` is Cryo's name for the frame type;
 * `trace_address` is the frame's path of sub-call indices joined by spaces ("" for the top call,
 * "0 2" for the third sub-call of the first), so depth is its number of entries. `gas` and
 * `gas_used` are UInt64 here where Cryo writes U256 triples: gas fits 64 bits by protocol.
 */
export const cryoGethCallsSchema = new Schema([
  new Field('typ', new Utf8(), false),
  new Field('from_address', new Binary(), false),
  new Field('to_address', new Binary(), true),
  ...u256Fields('value', true),
  new Field('gas', new Uint64(), false),
  new Field('gas_used', new Uint64(), false),
  new Field('input', new Binary(), false),
  new Field('output', new Binary(), true),
  new Field('error', new Utf8(), true),
  new Field('block_number', new Uint32(), false),
  new Field('transaction_hash', new Binary(), false),
  new Field('transaction_index', new Uint32(), false),
  new Field('trace_address', new Utf8(), false),
  new Field('chain_id', new Uint64(), false),
]);

/** Cryo `balances`: one row per (block, address) read with `eth_getBalance`. */
export const cryoBalancesSchema = new Schema([
  new Field('block_number', new Uint32(), false),
  new Field('address', new Binary(), false),
  ...u256Fields('balance', false),
  new Field('chain_id', new Uint64(), false),
]);

/** The Cryo datasets this project writes, by Cryo's dataset name. */
export const CRYO_SCHEMAS = {
  blocks: cryoBlocksSchema,
  transactions: cryoTransactionsSchema,
  logs: cryoLogsSchema,
  geth_calls: cryoGethCallsSchema,
  balances: cryoBalancesSchema,
} as const satisfies Record<string, Schema>;

export type CryoDatasetName = keyof typeof CRYO_SCHEMAS;
