/**
 * The synthetic chain as a node answers it: the JSON-RPC shapes the ingest fetches (blocks,
 * transactions with their receipts, `eth_getLogs` logs, prestateTracer diffs), so the bench's
 * record batches come from the ingest's own decoders (`decodeDataset`) and the Parquet files and hot
 * rows are exactly what cryo_ingest writes. Fields no decoder reads (roots, bloom, signature, …)
 * are constant filler.
 */
import type { Address, Hash, Hex, RpcTransaction, RpcTransactionReceipt } from 'viem';
import type { FetchedByDataset } from '../../drivers/chain/datasets.js';
import type { RpcBlockWithHashes } from '../../drivers/chain/fetch.js';
import type { PrestateDiff, TransactionTrace } from '../../drivers/chain/rpcSchema.js';

export const BENCH_DATASETS = ['blocks', 'transactions', 'logs', 'geth_balance_diffs'] as const;
export type BenchDataset = (typeof BENCH_DATASETS)[number];

export function isBenchDataset(value: unknown): value is BenchDataset {
  return typeof value === 'string' && (BENCH_DATASETS as readonly string[]).includes(value);
}

/** A range's fetched JSON per dataset: each decoder's input. */
export type RangeFetched = { [D in BenchDataset]: FetchedByDataset[D] };

export function emptyRange(): RangeFetched {
  return { blocks: { blocks: [] }, transactions: { blocks: [], receipts: [] }, logs: { logs: [], headers: [] }, geth_balance_diffs: { blocks: [], headers: [] } };
}

/** What the generator decides of a block. */
export interface SyntheticBlock {
  number: number;
  hash: Hash;
  parentHash: Hash;
  timestamp: number;
  author: Address;
  gasUsed: bigint;
  baseFee: bigint;
}

/** What the generator decides of a transaction (always EIP-1559). */
export interface SyntheticTx {
  block: number;
  blockHash: Hash;
  index: number;
  hash: Hash;
  nonce: number;
  from: Address;
  to: Address | null;
  value: bigint;
  input: Hex;
  gasLimit: bigint;
  gasUsed: bigint;
  /** Effective price: base fee + tip. */
  gasPrice: bigint;
  maxPriorityFee: bigint;
  maxFee: bigint;
  success: boolean;
}

export type SyntheticRpcTx = RpcTransaction<false>;

/** A JSON-RPC quantity: 0x-hex, no leading zeros (viem's numberToHex, without its checks). */
export const quantity = (value: number | bigint): Hex => `0x${value.toString(16)}`;

const ZERO_32: Hash = `0x${'00'.repeat(32)}`;
const EMPTY_BLOOM: Hex = `0x${'00'.repeat(256)}`;

/**
 * Appends a block to the `blocks` (hashes only), `transactions` (full, with receipts) and
 * `geth_balance_diffs` (one prestateTracer diff per transaction) datasets, and its header to `logs`.
 */
export function pushBlock(
  range: RangeFetched,
  block: SyntheticBlock,
  transactions: SyntheticRpcTx[],
  receipts: RpcTransactionReceipt[],
  balanceTraces: TransactionTrace<PrestateDiff>[],
): void {
  const header = blockHeader(block);
  const withHashes = { ...header, transactions: transactions.map((tx) => tx.hash) };
  range.blocks.blocks.push(withHashes);
  range.logs.headers.push(withHashes);
  range.geth_balance_diffs.headers.push(withHashes);
  range.geth_balance_diffs.blocks.push({ blockNumber: block.number, traces: balanceTraces });
  range.transactions.blocks.push({ ...header, transactions });
  range.transactions.receipts.push(receipts);
}

function blockHeader(b: SyntheticBlock): Omit<RpcBlockWithHashes, 'transactions'> {
  return {
    number: quantity(b.number),
    hash: b.hash,
    parentHash: b.parentHash,
    timestamp: quantity(b.timestamp),
    miner: b.author,
    gasUsed: quantity(b.gasUsed),
    baseFeePerGas: quantity(b.baseFee),
    extraData: '0x',
    blobGasUsed: '0x0',
    difficulty: '0x0',
    excessBlobGas: '0x0',
    gasLimit: '0x0',
    logsBloom: EMPTY_BLOOM,
    mixHash: ZERO_32,
    nonce: '0x0000000000000000',
    receiptsRoot: ZERO_32,
    sealFields: [],
    sha3Uncles: ZERO_32,
    size: '0x0',
    stateRoot: ZERO_32,
    totalDifficulty: null,
    transactionsRoot: ZERO_32,
    uncles: [],
  };
}

export function rpcTransaction(tx: SyntheticTx, chainId: number): SyntheticRpcTx {
  return {
    type: '0x2',
    blockHash: tx.blockHash,
    blockNumber: quantity(tx.block),
    transactionIndex: quantity(tx.index),
    hash: tx.hash,
    nonce: quantity(tx.nonce),
    from: tx.from,
    to: tx.to,
    value: quantity(tx.value),
    input: tx.input,
    gas: quantity(tx.gasLimit),
    maxPriorityFeePerGas: quantity(tx.maxPriorityFee),
    maxFeePerGas: quantity(tx.maxFee),
    chainId: quantity(chainId),
    accessList: [],
    r: '0x0',
    s: '0x0',
    v: '0x0',
  };
}

/**
 * The receipt: gas used, status and (as viem types EIP-1559 transactions without `gasPrice`) the
 * effective price. Its logs stay empty: the ingest reads logs with `eth_getLogs`.
 */
export function rpcReceipt(tx: SyntheticTx, cumulativeGasUsed: bigint): RpcTransactionReceipt {
  return {
    type: '0x2',
    blockHash: tx.blockHash,
    blockNumber: quantity(tx.block),
    transactionIndex: quantity(tx.index),
    transactionHash: tx.hash,
    from: tx.from,
    to: tx.to,
    contractAddress: null,
    gasUsed: quantity(tx.gasUsed),
    cumulativeGasUsed: quantity(cumulativeGasUsed),
    effectiveGasPrice: quantity(tx.gasPrice),
    status: tx.success ? '0x1' : '0x0',
    logs: [],
    logsBloom: EMPTY_BLOOM,
  };
}
