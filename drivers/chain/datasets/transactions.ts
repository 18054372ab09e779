/**
 * Cryo `transactions` from blocks with full transactions plus `eth_getBlockReceipts` for
 * `gas_used` and `success`. The receipts must belong to the same block (hash) and transactions
 * (hash, order): a reorg between the two reads fails the decode instead of mixing two chains.
 */
import type { RecordBatch } from 'apache-arrow';
import { numberToHex, type Hex, type RpcTransactionReceipt } from 'viem';
import { CRYO_SCHEMAS } from '../../datasets/arrowSchemas.js';
import { BatchBuilder } from '../arrow/batchBuilder.js';
import type { BinaryColumn } from '../arrow/columns.js';
import { quantityDigits } from '../arrow/hex.js';
import { fetchBlocks, fetchReceipts, type BlockRange, type FetchOptions, type RpcBlockWithTransactions } from '../fetch.js';
import type { RpcPool } from '../rpcClient.js';
import { chainIdValue, RowCursor, type ChainId } from './rows.js';

const SIGNATURE_WORD_BYTES = 32;

export interface TransactionsFetched {
  blocks: RpcBlockWithTransactions[];
  /** Per block, its receipts in transaction order. */
  receipts: RpcTransactionReceipt[][];
}

export async function fetchTransactionsData(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<TransactionsFetched> {
  const [blocks, receipts] = await Promise.all([fetchBlocks(pool, range, true, options), fetchReceipts(pool, range, options)]);
  return { blocks, receipts };
}

export function decodeTransactions(fetched: TransactionsFetched, chainId: ChainId): RecordBatch {
  const chain = chainIdValue(chainId);
  const batch = new BatchBuilder(CRYO_SCHEMAS.transactions);
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
  const inputBytes = batch.uint32('n_input_bytes');
  const inputZeroBytes = batch.uint32('n_input_zero_bytes');
  const inputNonzeroBytes = batch.uint32('n_input_nonzero_bytes');
  const blockHash = batch.binary('block_hash');
  const blockTimestamp = batch.uint32('timestamp');
  const r = batch.binary('r');
  const s = batch.binary('s');
  const v = batch.bool('v');
  const chainIds = batch.uint64('chain_id');

  const at = new RowCursor('transactions', 'transaction');
  try {
    if (fetched.receipts.length !== fetched.blocks.length) {
      at.fail(`${fetched.blocks.length} blocks but receipts for ${fetched.receipts.length}`);
    }
    fetched.blocks.forEach((block, b) => {
      at.block = block.number;
      at.item = undefined;
      const receipts = fetched.receipts[b]!;
      if (!Array.isArray(block.transactions)) at.fail('block has no transactions array');
      if (receipts.length !== block.transactions.length) {
        at.fail(`${block.transactions.length} transactions but ${receipts.length} receipts`);
      }
      block.transactions.forEach((tx, i) => {
        at.item = i;
        const receipt = receipts[i]!;
        if (!sameHex(receipt.transactionHash, tx.hash) || !sameHex(receipt.blockHash, block.hash)) {
          at.fail(`receipt ${String(receipt.transactionHash)} in block ${String(receipt.blockHash)} does not match transaction ${String(tx.hash)} in block ${String(block.hash)} (reorg between the reads?)`);
        }
        blockNumber.appendQuantity(block.number);
        transactionIndex.appendQuantity(tx.transactionIndex);
        transactionHash.appendHex(tx.hash, 32);
        nonce.appendQuantity(tx.nonce);
        from.appendHex(tx.from, 20);
        to.appendOptionalHex(tx.to, 20);
        value.appendQuantity(tx.value);
        input.appendHex(tx.input);
        gasLimit.appendQuantity(tx.gas);
        gasUsed.appendQuantity(receipt.gasUsed);
        // Mined transactions carry their effective price as gasPrice; the receipt has it too.
        gasPrice.appendOptionalQuantity(tx.gasPrice ?? receipt.effectiveGasPrice);
        // Cryo writes the type as alloy reads it: 0 for a legacy transaction that carries none.
        transactionType.appendQuantity(tx.type ?? '0x0');
        maxPriorityFee.appendOptionalQuantity(tx.maxPriorityFeePerGas);
        maxFee.appendOptionalQuantity(tx.maxFeePerGas);
        success.append(receiptSucceeded(receipt, at));
        const size = (tx.input.length - 2) / 2;
        const zeros = zeroBytes(tx.input);
        inputBytes.append(size);
        inputZeroBytes.append(zeros);
        inputNonzeroBytes.append(size - zeros);
        blockHash.appendHex(block.hash, 32);
        blockTimestamp.appendQuantity(block.timestamp);
        appendSignatureWord(r, tx.r);
        appendSignatureWord(s, tx.s);
        v.append(signatureParity(tx, at));
        chainIds.append(chain);
      });
    });
  } catch (err) {
    throw at.error(err);
  }
  return batch.finish();
}

/** The signature's y parity: `yParity` for typed transactions, from `v` for legacy ones (27/28, or EIP-155's 35 + 2·chain + parity). */
function signatureParity(tx: RpcBlockWithTransactions['transactions'][number], at: RowCursor): boolean {
  if (tx.yParity !== undefined) return Number(tx.yParity) === 1;
  const v = tx.v === undefined ? at.fail('the transaction has neither yParity nor v') : BigInt(tx.v);
  return v === 28n || (v >= 35n && (v - 35n) % 2n === 1n);
}

function receiptSucceeded(receipt: RpcTransactionReceipt, at: RowCursor): boolean {
  if (receipt.status === '0x1') return true;
  if (receipt.status === '0x0') return false;
  return at.fail(`receipt status must be 0x0 or 0x1, got ${JSON.stringify(receipt.status)}`);
}

/**
 * JSON-RPC sends r and s as quantities (no leading zeros); Cryo writes them as 32 bytes. A hex
 * quantity is decoded as it stands; anything else goes through BigInt, as the node meant it.
 */
function appendSignatureWord(column: BinaryColumn, value: Hex): void {
  const digits = quantityDigits(value);
  if (digits >= 1 && digits <= 2 * SIGNATURE_WORD_BYTES) column.appendQuantityDigits(value, digits, SIGNATURE_WORD_BYTES);
  else column.appendHex(numberToHex(BigInt(value), { size: SIGNATURE_WORD_BYTES }), SIGNATURE_WORD_BYTES);
}

function sameHex(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && (a === b || a.toLowerCase() === b.toLowerCase());
}

/** Zero bytes of validated, even-length 0x-hex: pairs of "00". */
function zeroBytes(hex: string): number {
  let zeros = 0;
  for (let i = 2; i < hex.length; i += 2) if (hex.charCodeAt(i) === 48 && hex.charCodeAt(i + 1) === 48) zeros++;
  return zeros;
}
