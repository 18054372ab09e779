/**
 * The chain datasets by Cryo name: Arrow schema (from the catalog), fetch (RPC → JSON) and decode
 * (JSON → one Arrow RecordBatch). Decoders are pure functions of the fetched JSON, which is plain
 * structured-cloneable data, so decoding can run on the Piscina pool (see actors/worker/jobs/ingest.ts).
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import type { Address } from 'viem';
import { CRYO_SCHEMAS } from '../datasets/arrowSchemas.js';
import { CRYO_DATASETS, fileColumnNames, isCryoDataset, type ColumnSelection, type CryoDatasetName } from '../datasets/catalog.js';
import { selectColumns } from './arrow/batchBuilder.js';
import { decodeBalances, fetchBalancesData, type BalancesFetched } from './datasets/balances.js';
import { decodeBlocks, fetchBlocksData, type BlocksFetched } from './datasets/blocks.js';
import { decodeGethBalanceDiffs, fetchGethBalanceDiffsData, type GethBalanceDiffsFetched } from './datasets/gethBalanceDiffs.js';
import { decodeGethCalls, fetchGethCallsData, type GethCallsFetched } from './datasets/gethCalls.js';
import { decodeLogs, fetchLogsData, type LogsFetched } from './datasets/logs.js';
import type { ChainId } from './datasets/rows.js';
import { hashesOfBlocks, type BlockHashes } from './datasets/blockHashes.js';
import { decodeTransactions, fetchTransactionsData, type TransactionsFetched } from './datasets/transactions.js';
import type { BlockRange } from './fetch.js';
import type { RpcPool } from './rpcClient.js';

export type { CryoDatasetName } from '../datasets/catalog.js';
export type { ChainId } from './datasets/rows.js';
export type { BlockHashes } from './datasets/blockHashes.js';
export { DatasetDecodeError } from './datasets/rows.js';
export type { BalancesFetched, BlocksFetched, GethBalanceDiffsFetched, GethCallsFetched, LogsFetched, TransactionsFetched };

/** What to fetch for one `(dataset, range)` task. */
export interface DatasetRequest {
  range: BlockRange;
  /** `balances` only (required there): the addresses to read. */
  addresses?: readonly Address[];
  /** `balances` only: the blocks of the range to read at; default every block. */
  blocks?: readonly number[];
  signal?: AbortSignal;
}

/** How one dataset is read from a node and decoded. */
interface DatasetCodec<Fetched> {
  fetch(pool: RpcPool, request: DatasetRequest): Promise<Fetched>;
  decode(fetched: Fetched, chainId: ChainId): RecordBatch;
  /** The hashes of the blocks the fetch read (none for state reads like balances). */
  blockHashes(fetched: Fetched): BlockHashes;
}

export interface ChainDataset<Fetched> extends DatasetCodec<Fetched> {
  readonly name: CryoDatasetName;
  readonly schema: Schema;
}

/** The fetched JSON of each dataset, as its `fetch` returns it and its `decode` takes it. */
export interface FetchedByDataset {
  blocks: BlocksFetched;
  transactions: TransactionsFetched;
  logs: LogsFetched;
  geth_calls: GethCallsFetched;
  geth_balance_diffs: GethBalanceDiffsFetched;
  balances: BalancesFetched;
}

export type FetchedDataset<D extends CryoDatasetName> = FetchedByDataset[D];

const CODECS: { readonly [D in CryoDatasetName]: DatasetCodec<FetchedByDataset[D]> } = {
  blocks: {
    fetch: (pool, { range, signal }) => fetchBlocksData(pool, range, { signal }),
    decode: decodeBlocks,
    blockHashes: ({ blocks }) => hashesOfBlocks(blocks),
  },
  transactions: {
    fetch: (pool, { range, signal }) => fetchTransactionsData(pool, range, { signal }),
    decode: decodeTransactions,
    blockHashes: ({ blocks }) => hashesOfBlocks(blocks),
  },
  logs: {
    fetch: (pool, { range, signal }) => fetchLogsData(pool, range, { signal }),
    decode: decodeLogs,
    blockHashes: ({ headers }) => hashesOfBlocks(headers),
  },
  geth_calls: {
    fetch: (pool, { range, signal }) => fetchGethCallsData(pool, range, { signal }),
    decode: decodeGethCalls,
    blockHashes: ({ headers }) => hashesOfBlocks(headers),
  },
  geth_balance_diffs: {
    fetch: (pool, { range, signal }) => fetchGethBalanceDiffsData(pool, range, { signal }),
    decode: decodeGethBalanceDiffs,
    blockHashes: ({ headers }) => hashesOfBlocks(headers),
  },
  balances: {
    fetch: (pool, { range, addresses, blocks, signal }) => {
      if (addresses === undefined) throw new TypeError('balances: the request needs `addresses`');
      return fetchBalancesData(pool, range, { addresses, blocks }, { signal });
    },
    decode: decodeBalances,
    blockHashes: () => [],
  },
};

/** Every catalog dataset with its name and schema from the catalog and its codec. */
export const DATASETS = Object.fromEntries(CRYO_DATASETS.map((name) => [name, { name, schema: CRYO_SCHEMAS[name], ...CODECS[name] }])) as {
  readonly [D in CryoDatasetName]: ChainDataset<FetchedByDataset[D]>;
};

/** The dataset's registry entry, or an error listing the known names. */
export function datasetByName(name: string): ChainDataset<FetchedByDataset[CryoDatasetName]> {
  if (!isCryoDataset(name)) throw new Error(`unknown dataset "${name}" (known: ${CRYO_DATASETS.join(', ')})`);
  return DATASETS[name] as ChainDataset<FetchedByDataset[CryoDatasetName]>;
}

export function fetchDataset<D extends CryoDatasetName>(dataset: D, pool: RpcPool, request: DatasetRequest): Promise<FetchedDataset<D>> {
  return (DATASETS[dataset] as ChainDataset<FetchedDataset<D>>).fetch(pool, request);
}

/** Fetched JSON → one RecordBatch with the dataset's Cryo schema. Pure: safe on a pool thread. */
export function decodeDataset<D extends CryoDatasetName>(dataset: D, fetched: FetchedDataset<D>, chainId: ChainId): RecordBatch {
  return (DATASETS[dataset] as ChainDataset<FetchedDataset<D>>).decode(fetched, chainId);
}

/** The decoded batch as a file of the dataset holds it: the chosen columns, by default the default ones (also the hot table's). */
export function fileBatch(dataset: CryoDatasetName, batch: RecordBatch, selection?: ColumnSelection): RecordBatch {
  return selectColumns(batch, fileColumnNames(dataset, selection));
}

/** The hashes of the blocks a fetch read. */
export function fetchedBlockHashes<D extends CryoDatasetName>(dataset: D, fetched: FetchedDataset<D>): BlockHashes {
  return (DATASETS[dataset] as ChainDataset<FetchedDataset<D>>).blockHashes(fetched);
}
