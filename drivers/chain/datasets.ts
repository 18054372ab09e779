/**
 * The chain datasets by Cryo name: Arrow schema (cryoSchemas.ts), fetch (RPC → JSON) and decode
 * (JSON → one Arrow RecordBatch). Decoders are pure functions of the fetched JSON, which is plain
 * structured-cloneable data, so decoding can run on the Piscina pool (see runtime/pool/ingest.ts).
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import type { Address } from 'viem';
import { CRYO_SCHEMAS, type CryoDatasetName } from '../parquet/cryoSchemas.js';
import { decodeBalances, fetchBalancesData, type BalancesFetched } from './datasets/balances.js';
import { decodeBlocks, fetchBlocksData, type BlocksFetched } from './datasets/blocks.js';
import { decodeGethCalls, fetchGethCallsData, type GethCallsFetched } from './datasets/gethCalls.js';
import { decodeLogs, fetchLogsData, type LogsFetched } from './datasets/logs.js';
import type { ChainId } from './datasets/rows.js';
import { decodeTransactions, fetchTransactionsData, type TransactionsFetched } from './datasets/transactions.js';
import type { BlockRange } from './fetch.js';
import type { RpcPool } from './rpcClient.js';

export type { CryoDatasetName } from '../parquet/cryoSchemas.js';
export type { ChainId } from './datasets/rows.js';
export { DatasetDecodeError } from './datasets/rows.js';
export type { BalancesFetched, BlocksFetched, GethCallsFetched, LogsFetched, TransactionsFetched };

/** What to fetch for one `(dataset, range)` task. */
export interface DatasetRequest {
  range: BlockRange;
  /** `balances` only (required there): the addresses to read. */
  addresses?: readonly Address[];
  /** `balances` only: the blocks of the range to read at; default every block. */
  blocks?: readonly number[];
  signal?: AbortSignal;
}

export interface ChainDataset<Fetched> {
  readonly name: CryoDatasetName;
  readonly schema: Schema;
  fetch(pool: RpcPool, request: DatasetRequest): Promise<Fetched>;
  decode(fetched: Fetched, chainId: ChainId): RecordBatch;
}

/** The fetched JSON of each dataset, as its `fetch` returns it and its `decode` takes it. */
export interface FetchedByDataset {
  blocks: BlocksFetched;
  transactions: TransactionsFetched;
  logs: LogsFetched;
  geth_calls: GethCallsFetched;
  balances: BalancesFetched;
}

export type FetchedDataset<D extends CryoDatasetName> = FetchedByDataset[D];

export const DATASETS: { readonly [D in CryoDatasetName]: ChainDataset<FetchedByDataset[D]> } = {
  blocks: {
    name: 'blocks',
    schema: CRYO_SCHEMAS.blocks,
    fetch: (pool, { range, signal }) => fetchBlocksData(pool, range, { signal }),
    decode: decodeBlocks,
  },
  transactions: {
    name: 'transactions',
    schema: CRYO_SCHEMAS.transactions,
    fetch: (pool, { range, signal }) => fetchTransactionsData(pool, range, { signal }),
    decode: decodeTransactions,
  },
  logs: {
    name: 'logs',
    schema: CRYO_SCHEMAS.logs,
    fetch: (pool, { range, signal }) => fetchLogsData(pool, range, { signal }),
    decode: decodeLogs,
  },
  geth_calls: {
    name: 'geth_calls',
    schema: CRYO_SCHEMAS.geth_calls,
    fetch: (pool, { range, signal }) => fetchGethCallsData(pool, range, { signal }),
    decode: decodeGethCalls,
  },
  balances: {
    name: 'balances',
    schema: CRYO_SCHEMAS.balances,
    fetch: (pool, { range, addresses, blocks, signal }) => {
      if (addresses === undefined) throw new TypeError('balances: the request needs `addresses`');
      return fetchBalancesData(pool, range, { addresses, blocks }, { signal });
    },
    decode: decodeBalances,
  },
};

export function isDatasetName(name: string): name is CryoDatasetName {
  return Object.hasOwn(DATASETS, name);
}

/** The dataset's registry entry, or an error listing the known names. */
export function datasetByName(name: string): ChainDataset<FetchedByDataset[CryoDatasetName]> {
  if (!isDatasetName(name)) throw new Error(`unknown dataset "${name}" (known: ${Object.keys(DATASETS).join(', ')})`);
  return DATASETS[name] as ChainDataset<FetchedByDataset[CryoDatasetName]>;
}

export function fetchDataset<D extends CryoDatasetName>(dataset: D, pool: RpcPool, request: DatasetRequest): Promise<FetchedDataset<D>> {
  return (DATASETS[dataset] as ChainDataset<FetchedDataset<D>>).fetch(pool, request);
}

/** Fetched JSON → one RecordBatch with the dataset's Cryo schema. Pure: safe on a pool thread. */
export function decodeDataset<D extends CryoDatasetName>(dataset: D, fetched: FetchedDataset<D>, chainId: ChainId): RecordBatch {
  return (DATASETS[dataset] as ChainDataset<FetchedDataset<D>>).decode(fetched, chainId);
}
