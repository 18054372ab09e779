/** Cryo `balances`: `eth_getBalance` for an address set at a block set. */
import type { RecordBatch } from 'apache-arrow';
import type { Address } from 'viem';
import { CRYO_SCHEMAS } from '../../datasets/arrowSchemas.js';
import { BatchBuilder } from '../arrow/batchBuilder.js';
import { blockNumbers, fetchBalances, type BalanceRead, type BlockRange, type FetchOptions } from '../fetch.js';
import type { RpcPool } from '../rpcClient.js';
import { chainIdValue, RowCursor, type ChainId } from './rows.js';

export interface BalancesFetched {
  balances: BalanceRead[];
}

export interface BalancesRequest {
  addresses: readonly Address[];
  /** Blocks to read, each within the range; default every block of the range. */
  blocks?: readonly number[] | undefined;
}

export async function fetchBalancesData(pool: RpcPool, range: BlockRange, request: BalancesRequest, options: FetchOptions = {}): Promise<BalancesFetched> {
  const blocks = request.blocks ?? blockNumbers(range);
  const outside = blocks.find((block) => !(block >= range.start && block < range.end));
  if (outside !== undefined) throw new RangeError(`balances: block ${outside} is outside the range [${range.start}, ${range.end})`);
  return { balances: await fetchBalances(pool, request.addresses, blocks, options) };
}

export function decodeBalances(fetched: BalancesFetched, chainId: ChainId): RecordBatch {
  const chain = chainIdValue(chainId);
  const batch = new BatchBuilder(CRYO_SCHEMAS.balances);
  const blockNumber = batch.uint32('block_number');
  const address = batch.binary('address');
  const balance = batch.u256('balance');
  const chainIds = batch.uint64('chain_id');
  const at = new RowCursor('balances', 'read');
  try {
    fetched.balances.forEach((read, i) => {
      at.block = read.block;
      at.item = i;
      blockNumber.append(read.block);
      address.appendHex(read.address, 20);
      balance.appendQuantity(read.balance);
      chainIds.append(chain);
    });
  } catch (err) {
    throw at.error(err);
  }
  return batch.finish();
}
