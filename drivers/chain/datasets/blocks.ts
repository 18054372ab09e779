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
  const number = batch.uint32('block_number');
  const hash = batch.binary('block_hash');
  const timestamp = batch.uint32('timestamp');
  const author = batch.binary('author');
  const gasUsed = batch.uint64('gas_used');
  const extraData = batch.binary('extra_data');
  const baseFee = batch.uint64('base_fee_per_gas');
  const chainIds = batch.uint64('chain_id');
  const parentHash = batch.binary('parent_hash');
  const at = new RowCursor('blocks', 'row');
  try {
    for (const block of fetched.blocks) {
      at.block = block.number;
      number.appendQuantity(block.number);
      hash.appendHex(block.hash, 32);
      timestamp.appendQuantity(block.timestamp);
      author.appendHex(block.miner, 20);
      gasUsed.appendQuantity(block.gasUsed);
      extraData.appendHex(block.extraData);
      baseFee.appendOptionalQuantity(block.baseFeePerGas);
      chainIds.append(chain);
      parentHash.appendHex(block.parentHash, 32);
    }
  } catch (err) {
    throw at.error(err);
  }
  return batch.finish();
}
