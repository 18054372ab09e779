/**
 * Cryo `geth_balance_diffs` from `debug_traceBlockByNumber` with geth's prestateTracer in diff
 * mode (anvil serves it): per transaction, one row per account whose balance it changed, with the
 * balance before (`from_value`) and after (`to_value`). Rows of a transaction are ordered by
 * address, transactions by index.
 *
 * Where Cryo differs: Cryo writes a row for every account in the trace and reads a `post` entry
 * without `balance` as a balance of 0; diff mode leaves out unchanged fields, so such an account's
 * balance did not change, and here it gets no row. An account in `pre` only (an account whose
 * diff lists nothing after the transaction) likewise kept its balance. A balance the transaction
 * created from nothing has `from_value` 0 (the account is absent from `pre`).
 */
import type { RecordBatch } from 'apache-arrow';
import type { Address } from 'viem';
import { CRYO_SCHEMAS } from '../../datasets/arrowSchemas.js';
import { BatchBuilder } from '../arrow/batchBuilder.js';
import { MAX_U256, quantity } from '../arrow/columnValues.js';
import { fetchBlocks, fetchPrestateDiffs, type BlockRange, type BlockTraces, type FetchOptions, type RpcBlockWithHashes } from '../fetch.js';
import type { RpcPool } from '../rpcClient.js';
import type { PrestateDiff } from '../rpcSchema.js';
import { chainIdValue, RowCursor, type ChainId } from './rows.js';

export interface GethBalanceDiffsFetched {
  blocks: BlockTraces<PrestateDiff>[];
  /** The range's headers: their transaction hashes line the traces up, and the range needs every hash. */
  headers: RpcBlockWithHashes[];
}

export async function fetchGethBalanceDiffsData(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<GethBalanceDiffsFetched> {
  const [blocks, headers] = await Promise.all([fetchPrestateDiffs(pool, range, options), fetchBlocks(pool, range, false, options)]);
  return { blocks, headers };
}

/** One balance change of one account in one transaction. */
export interface BalanceChange {
  address: Address;
  from: bigint;
  to: bigint;
}

/** The accounts whose balance `diff` changed, by address, with the balance before and after. */
export function balanceChanges(diff: PrestateDiff): BalanceChange[] {
  const pre = objectOf(diff.pre, 'pre');
  const post = objectOf(diff.post, 'post');
  const addresses = [...new Set([...Object.keys(pre), ...Object.keys(post)].map((a) => a.toLowerCase()))].sort();
  const byAddress = (side: Record<string, unknown>, address: string): Record<string, unknown> | undefined => {
    const key = Object.keys(side).find((k) => k.toLowerCase() === address);
    return key === undefined ? undefined : objectOf(side[key], address);
  };
  const changes: BalanceChange[] = [];
  for (const address of addresses) {
    const before = byAddress(pre, address)?.['balance'];
    const after = byAddress(post, address)?.['balance'];
    const from = before === undefined ? 0n : quantity('from_value', before, MAX_U256, 'a hex quantity below 2^256');
    const to = after === undefined ? from : quantity('to_value', after, MAX_U256, 'a hex quantity below 2^256');
    if (from !== to) changes.push({ address: address as Address, from, to });
  }
  return changes;
}

export function decodeGethBalanceDiffs(fetched: GethBalanceDiffsFetched, chainId: ChainId): RecordBatch {
  const chain = chainIdValue(chainId);
  const batch = new BatchBuilder(CRYO_SCHEMAS.geth_balance_diffs);
  const blockNumber = batch.uint32('block_number');
  const transactionIndex = batch.uint64('transaction_index');
  const transactionHash = batch.binary('transaction_hash');
  const address = batch.binary('address');
  const fromValue = batch.u256('from_value');
  const toValue = batch.u256('to_value');
  const chainIds = batch.uint64('chain_id');

  const at = new RowCursor('geth_balance_diffs', 'transaction');
  const headers = new Map(fetched.headers.map((header) => [Number(header.number), header]));
  try {
    for (const { blockNumber: block, traces } of fetched.blocks) {
      at.block = block;
      at.item = undefined;
      const header = headers.get(block) ?? at.fail('no header read for the block');
      const hashes = header.transactions;
      if (hashes.length !== traces.length) at.fail(`${traces.length} transaction traces but the block has ${hashes.length} transactions (reorg between the reads?)`);
      traces.forEach((trace, txIndex) => {
        at.item = txIndex;
        const diff = trace.result ?? at.fail(`the node could not trace the transaction: ${String(trace.error)}`);
        const hash = hashes[txIndex]!;
        if (trace.txHash !== undefined && trace.txHash.toLowerCase() !== hash.toLowerCase()) {
          at.fail(`trace of ${trace.txHash} but the block's transaction ${hash} (reorg between the reads?)`);
        }
        for (const change of balanceChanges(diff)) {
          blockNumber.append(block);
          transactionIndex.append(BigInt(txIndex));
          transactionHash.appendHex(hash, 32);
          address.appendHex(change.address, 20);
          fromValue.append(change.from);
          toValue.append(change.to);
          chainIds.append(chain);
        }
      });
    }
  } catch (err) {
    throw at.error(err);
  }
  return batch.finish();
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what}: expected an object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}
