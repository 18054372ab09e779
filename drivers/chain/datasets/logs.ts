/** Cryo `logs` from `eth_getLogs` over the range (see fetch.ts for why not from receipts). */
import type { RecordBatch } from 'apache-arrow';
import type { RpcLog } from 'viem';
import { CRYO_SCHEMAS } from '../../datasets/arrowSchemas.js';
import { BatchBuilder } from '../arrow/batchBuilder.js';
import { fetchBlocks, fetchLogs, type BlockRange, type FetchOptions, type RpcBlockWithHashes } from '../fetch.js';
import type { RpcPool } from '../rpcClient.js';
import { chainIdValue, RowCursor, type ChainId } from './rows.js';
import { hashesOfBlocks, requireHeaderHash } from './blockHashes.js';

export interface LogsFetched {
  logs: RpcLog[];
  /** The range's headers: logs name only the blocks that have some, and the range needs every hash. */
  headers: RpcBlockWithHashes[];
}

export async function fetchLogsData(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<LogsFetched> {
  const [logs, headers] = await Promise.all([fetchLogs(pool, range, options), fetchBlocks(pool, range, false, options)]);
  return { logs, headers };
}

export function decodeLogs(fetched: LogsFetched, chainId: ChainId): RecordBatch {
  const chain = chainIdValue(chainId);
  const batch = new BatchBuilder(CRYO_SCHEMAS.logs);
  const blockNumber = batch.uint32('block_number');
  const blockHash = batch.binary('block_hash');
  const transactionIndex = batch.uint32('transaction_index');
  const logIndex = batch.uint32('log_index');
  const transactionHash = batch.binary('transaction_hash');
  const address = batch.binary('address');
  const topicColumns = [batch.binary('topic0'), batch.binary('topic1'), batch.binary('topic2'), batch.binary('topic3')] as const;
  const data = batch.binary('data');
  const dataBytes = batch.uint32('n_data_bytes');
  const chainIds = batch.uint64('chain_id');

  const at = new RowCursor('logs', 'log');
  const headers = new Map(hashesOfBlocks(fetched.headers));
  try {
    for (const log of fetched.logs) {
      at.block = log.blockNumber;
      at.item = log.logIndex;
      if (log.removed) at.fail('the node marked the log removed (reorg during the read)');
      requireHeaderHash(at, headers, log.blockNumber, log.blockHash);
      const topics: readonly unknown[] = Array.isArray(log.topics) ? log.topics : at.fail('topics is not an array');
      if (topics.length > topicColumns.length) at.fail(`${topics.length} topics (at most 4)`);
      blockNumber.appendQuantity(log.blockNumber);
      blockHash.appendHex(log.blockHash, 32);
      transactionIndex.appendQuantity(log.transactionIndex);
      logIndex.appendQuantity(log.logIndex);
      transactionHash.appendHex(log.transactionHash, 32);
      address.appendHex(log.address, 20);
      topicColumns.forEach((column, k) => column.appendOptionalHex(topics[k], 32));
      data.appendHex(log.data);
      dataBytes.append((log.data.length - 2) / 2);
      chainIds.append(chain);
    }
  } catch (err) {
    throw at.error(err);
  }
  return batch.finish();
}
