/** Cryo `blocks` from `eth_getBlockByNumber` (transaction hashes only: no column needs the bodies). */
import type { RecordBatch } from 'apache-arrow';
import { CRYO_SCHEMAS } from '../../datasets/arrowSchemas.js';
import { BatchBuilder } from '../arrow/batchBuilder.js';
import { fetchBlocks, type BlockRange, type FetchOptions, type RpcBlockWithHashes } from '../fetch.js';
import type { RpcPool } from '../rpcClient.js';
import { chainIdValue, RowCursor, type ChainId } from './rows.js';

export interface BlocksFetched {
  blocks: RpcBlockWithHashes[];
}

export async function fetchBlocksData(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<BlocksFetched> {
  return { blocks: await fetchBlocks(pool, range, false, options) };
}

export function decodeBlocks(fetched: BlocksFetched, chainId: ChainId): RecordBatch {
  const chain = chainIdValue(chainId);
  const batch = new BatchBuilder(CRYO_SCHEMAS.blocks);
  const hash = batch.binary('block_hash');
  const parentHash = batch.binary('parent_hash');
  const unclesHash = batch.binary('uncles_hash');
  const author = batch.binary('author');
  const stateRoot = batch.binary('state_root');
  const transactionsRoot = batch.binary('transactions_root');
  const receiptsRoot = batch.binary('receipts_root');
  const number = batch.uint32('block_number');
  const gasUsed = batch.uint64('gas_used');
  const gasLimit = batch.uint64('gas_limit');
  const extraData = batch.binary('extra_data');
  const logsBloom = batch.binary('logs_bloom');
  const timestamp = batch.uint32('timestamp');
  const difficulty = batch.uint64('difficulty');
  const totalDifficulty = batch.u256('total_difficulty');
  const size = batch.uint64('size');
  const mixHash = batch.binary('mix_hash');
  const nonce = batch.binary('nonce');
  const baseFee = batch.uint64('base_fee_per_gas');
  const withdrawalsRoot = batch.binary('withdrawals_root');
  const chainIds = batch.uint64('chain_id');
  const at = new RowCursor('blocks', 'row');
  try {
    for (const block of fetched.blocks) {
      at.block = block.number;
      hash.appendHex(block.hash, 32);
      parentHash.appendHex(block.parentHash, 32);
      unclesHash.appendHex(block.sha3Uncles, 32);
      author.appendHex(block.miner, 20);
      stateRoot.appendHex(block.stateRoot, 32);
      transactionsRoot.appendHex(block.transactionsRoot, 32);
      receiptsRoot.appendHex(block.receiptsRoot, 32);
      number.appendQuantity(block.number);
      gasUsed.appendQuantity(block.gasUsed);
      gasLimit.appendQuantity(block.gasLimit);
      extraData.appendHex(block.extraData);
      logsBloom.appendOptionalHex(block.logsBloom);
      timestamp.appendQuantity(block.timestamp);
      difficulty.appendQuantity(block.difficulty);
      totalDifficulty.appendOptionalQuantity(block.totalDifficulty);
      size.appendOptionalQuantity(block.size);
      mixHash.appendOptionalHex(block.mixHash, 32);
      nonce.appendOptionalHex(block.nonce);
      baseFee.appendOptionalQuantity(block.baseFeePerGas);
      withdrawalsRoot.appendOptionalHex(block.withdrawalsRoot, 32);
      chainIds.append(chain);
    }
  } catch (err) {
    throw at.error(err);
  }
  return batch.finish();
}
