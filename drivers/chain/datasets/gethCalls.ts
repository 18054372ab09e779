/**
 * Cryo `geth_calls` from `debug_traceBlockByNumber` with the callTracer, every frame a row,
 * depth-first in execution order.
 *
 * The top frame's `gas_used` is the receipt's, as geth's callTracer defines it: anvil 1.7 reports
 * the block's cumulative gas there in block traces (the 3rd transaction of a block shows the gas of
 * all 3; a 21,000-gas transfer after a 58,061-gas prefix shows 79,061) and other wrong values in
 * `debug_traceTransaction`. So the block's receipts are fetched too, which also checks that traces
 * and transactions line up.
 */
import type { RecordBatch } from 'apache-arrow';
import type { RpcTransactionReceipt } from 'viem';
import { CRYO_SCHEMAS } from '../../datasets/arrowSchemas.js';
import { BatchBuilder } from '../arrow/batchBuilder.js';
import { fetchBlocks, fetchCallTraces, fetchReceipts, type BlockRange, type BlockTraces, type FetchOptions, type RpcBlockWithHashes } from '../fetch.js';
import type { RpcPool } from '../rpcClient.js';
import type { CallFrame } from '../rpcSchema.js';
import { chainIdValue, RowCursor, type ChainId } from './rows.js';
import { hashesOfBlocks, requireHeaderHash } from './blockHashes.js';

export interface GethCallsFetched {
  blocks: BlockTraces[];
  /** Per block, its receipts in transaction order (for the top frames' gas used). */
  receipts: RpcTransactionReceipt[][];
  /** The range's headers: traces carry no block hash, and receipts only for blocks with transactions. */
  headers: RpcBlockWithHashes[];
}

export async function fetchGethCallsData(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<GethCallsFetched> {
  const [blocks, receipts, headers] = await Promise.all([
    fetchCallTraces(pool, range, options),
    fetchReceipts(pool, range, options),
    fetchBlocks(pool, range, false, options),
  ]);
  return { blocks, receipts, headers };
}

export function decodeGethCalls(fetched: GethCallsFetched, chainId: ChainId): RecordBatch {
  const chain = chainIdValue(chainId);
  const batch = new BatchBuilder(CRYO_SCHEMAS.geth_calls);
  const typ = batch.utf8('typ');
  const from = batch.binary('from_address');
  const to = batch.binary('to_address');
  const value = batch.u256('value');
  const gas = batch.u256('gas');
  const gasUsed = batch.u256('gas_used');
  const input = batch.binary('input');
  const output = batch.binary('output');
  const error = batch.utf8('error');
  const blockNumber = batch.uint32('block_number');
  const transactionHash = batch.binary('transaction_hash');
  const transactionIndex = batch.uint32('transaction_index');
  const traceAddress = batch.utf8('trace_address');
  const chainIds = batch.uint64('chain_id');

  const at = new RowCursor('geth_calls', 'transaction');
  const headers = new Map(hashesOfBlocks(fetched.headers));
  try {
    if (fetched.receipts.length !== fetched.blocks.length) {
      at.fail(`traces of ${fetched.blocks.length} blocks but receipts of ${fetched.receipts.length}`);
    }
    fetched.blocks.forEach(({ blockNumber: block, traces }, b) => {
      at.block = block;
      at.item = undefined;
      const receipts = fetched.receipts[b]!;
      if (receipts.length !== traces.length) at.fail(`${traces.length} transaction traces but ${receipts.length} receipts`);
      traces.forEach((trace, txIndex) => {
        at.item = txIndex;
        const root = trace.result ?? at.fail(`the node could not trace the transaction: ${String(trace.error)}`);
        const receipt = receipts[txIndex]!;
        requireHeaderHash(at, headers, block, receipt.blockHash);
        if (typeof trace.txHash !== 'string' || trace.txHash.toLowerCase() !== String(receipt.transactionHash).toLowerCase()) {
          at.fail(`trace of ${String(trace.txHash)} but receipt of ${String(receipt.transactionHash)} (reorg between the reads?)`);
        }
        // Depth-first, pre-order: a frame, then its sub-calls in order (the stack holds them reversed).
        const stack: [CallFrame, string][] = [[root, '']];
        for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
          const [frame, path] = next;
          typ.append(frame.type);
          from.appendHex(frame.from, 20);
          to.appendOptionalHex(frame.to, 20);
          value.appendOptionalQuantity(frame.value);
          gas.appendQuantity(frame.gas);
          gasUsed.appendQuantity(frame === root ? receipt.gasUsed : frame.gasUsed);
          input.appendHex(frame.input);
          output.appendOptionalHex(frame.output);
          error.appendOptional(frame.error);
          blockNumber.append(block);
          transactionHash.appendHex(trace.txHash, 32);
          transactionIndex.append(txIndex);
          traceAddress.append(path);
          chainIds.append(chain);
          const calls = frame.calls ?? [];
          for (let i = calls.length - 1; i >= 0; i--) stack.push([calls[i]!, path === '' ? String(i) : `${path} ${i}`]);
        }
      });
    });
  } catch (err) {
    throw at.error(err);
  }
  return batch.finish();
}
