/**
 * Arrow record batches of the synthetic rows, built with the ingest decoders' own `BatchBuilder`
 * over the Cryo schemas, so the Parquet files and hot rows are exactly what cryo_ingest writes.
 */
import type { RecordBatch } from 'apache-arrow';
import { BatchBuilder } from '../../src/drivers/chain/arrowColumns.js';
import { cryoBalancesSchema, cryoBlocksSchema, cryoLogsSchema, cryoTransactionsSchema } from '../../src/drivers/parquet/cryoSchemas.js';
import type { BalanceRow, BlockRow, LogRow, RangeRows, TxRow } from './chain.js';

export const BENCH_DATASETS = ['blocks', 'transactions', 'logs', 'balances'] as const;
export type BenchDataset = (typeof BENCH_DATASETS)[number];

export function isBenchDataset(value: unknown): value is BenchDataset {
  return typeof value === 'string' && (BENCH_DATASETS as readonly string[]).includes(value);
}

/** The Cryo batch of one dataset from a range's rows. */
export function datasetBatch(dataset: BenchDataset, rows: RangeRows, chainId: number): RecordBatch {
  switch (dataset) {
    case 'blocks':
      return blocksBatch(rows.blocks, chainId);
    case 'transactions':
      return transactionsBatch(rows.transactions, chainId);
    case 'logs':
      return logsBatch(rows.logs, chainId);
    case 'balances':
      return balancesBatch(rows.balances, chainId);
  }
}

function blocksBatch(rows: readonly BlockRow[], chainId: number): RecordBatch {
  const batch = new BatchBuilder(cryoBlocksSchema);
  const number = batch.uint32('block_number');
  const hash = batch.binary('block_hash');
  const timestamp = batch.uint32('timestamp');
  const author = batch.binary('author');
  const gasUsed = batch.uint64('gas_used');
  const extra = batch.binary('extra_data');
  const baseFee = batch.uint64('base_fee_per_gas');
  const chain = batch.uint64('chain_id');
  const parent = batch.binary('parent_hash');
  for (const r of rows) {
    number.append(r.number);
    hash.appendHex(r.hash, 32);
    timestamp.append(r.timestamp);
    author.appendHex(r.author, 20);
    gasUsed.append(r.gasUsed);
    extra.appendHex('0x', 0);
    baseFee.append(r.baseFee);
    chain.append(BigInt(chainId));
    parent.appendHex(r.parentHash, 32);
  }
  return batch.finish();
}

/** Zero and non-zero bytes of 0x-hex calldata. */
function inputBytes(hex: string): { total: number; zero: number } {
  let zero = 0;
  for (let i = 2; i < hex.length; i += 2) if (hex.charCodeAt(i) === 48 && hex.charCodeAt(i + 1) === 48) zero++;
  return { total: (hex.length - 2) / 2, zero };
}

function transactionsBatch(rows: readonly TxRow[], chainId: number): RecordBatch {
  const batch = new BatchBuilder(cryoTransactionsSchema);
  const blockNumber = batch.uint32('block_number');
  const transactionIndex = batch.uint64('transaction_index');
  const transactionHash = batch.binary('transaction_hash');
  const nonce = batch.uint64('nonce');
  const from = batch.binary('from_address');
  const to = batch.binary('to_address');
  const value = batch.u256('value');
  const input = batch.binary('input');
  const gasLimit = batch.uint64('gas_limit');
  const gasUsed = batch.uint64('gas_used');
  const gasPrice = batch.uint64('gas_price');
  const transactionType = batch.uint32('transaction_type');
  const maxPriorityFee = batch.uint64('max_priority_fee_per_gas');
  const maxFee = batch.uint64('max_fee_per_gas');
  const success = batch.bool('success');
  const inputLength = batch.uint32('n_input_bytes');
  const inputZero = batch.uint32('n_input_zero_bytes');
  const inputNonzero = batch.uint32('n_input_nonzero_bytes');
  const chain = batch.uint64('chain_id');
  for (const r of rows) {
    blockNumber.append(r.block);
    transactionIndex.append(BigInt(r.index));
    transactionHash.appendHex(r.hash, 32);
    nonce.append(BigInt(r.nonce));
    from.appendHex(r.from, 20);
    to.appendOptionalHex(r.to, 20);
    value.append(r.value);
    input.appendHex(r.input);
    gasLimit.append(r.gasLimit);
    gasUsed.append(r.gasUsed);
    gasPrice.append(r.gasPrice);
    transactionType.append(r.type);
    if (r.maxPriorityFee === null) maxPriorityFee.appendNull();
    else maxPriorityFee.append(r.maxPriorityFee);
    if (r.maxFee === null) maxFee.appendNull();
    else maxFee.append(r.maxFee);
    success.append(r.success);
    const bytes = inputBytes(r.input);
    inputLength.append(bytes.total);
    inputZero.append(bytes.zero);
    inputNonzero.append(bytes.total - bytes.zero);
    chain.append(BigInt(chainId));
  }
  return batch.finish();
}

function logsBatch(rows: readonly LogRow[], chainId: number): RecordBatch {
  const batch = new BatchBuilder(cryoLogsSchema);
  const blockNumber = batch.uint32('block_number');
  const blockHash = batch.binary('block_hash');
  const transactionIndex = batch.uint32('transaction_index');
  const logIndex = batch.uint32('log_index');
  const transactionHash = batch.binary('transaction_hash');
  const address = batch.binary('address');
  const topics = [batch.binary('topic0'), batch.binary('topic1'), batch.binary('topic2'), batch.binary('topic3')];
  const data = batch.binary('data');
  const dataBytes = batch.uint32('n_data_bytes');
  const chain = batch.uint64('chain_id');
  for (const r of rows) {
    blockNumber.append(r.block);
    blockHash.appendHex(r.blockHash, 32);
    transactionIndex.append(r.txIndex);
    logIndex.append(r.logIndex);
    transactionHash.appendHex(r.txHash, 32);
    address.appendHex(r.address, 20);
    topics.forEach((column, i) => column.appendOptionalHex(r.topics[i], 32));
    data.appendHex(r.data);
    dataBytes.append((r.data.length - 2) / 2);
    chain.append(BigInt(chainId));
  }
  return batch.finish();
}

function balancesBatch(rows: readonly BalanceRow[], chainId: number): RecordBatch {
  const batch = new BatchBuilder(cryoBalancesSchema);
  const blockNumber = batch.uint32('block_number');
  const address = batch.binary('address');
  const balance = batch.u256('balance');
  const chain = batch.uint64('chain_id');
  for (const r of rows) {
    blockNumber.append(r.block);
    address.appendHex(r.address, 20);
    balance.append(r.balance);
    chain.append(BigInt(chainId));
  }
  return batch.finish();
}
