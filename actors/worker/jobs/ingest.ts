import type { RpcPool, RpcPoolOptions } from '../../../drivers/chain/rpcClient.js';
import type { BlockHashes, CryoDatasetName } from '../../../drivers/chain/datasets.js';
import type { LogsFetched } from '../../../drivers/chain/datasets/logs.js';
import { threadId, type MessagePort } from 'node:worker_threads';
import { perThread } from '../../../runtime/threads/perThread.js';
import { StageClock, type StageTimings } from '../stageTimings.js';

export interface FetchRangeInput {
  dataset: CryoDatasetName;
  chainId: number;
  /** Block range [start, end). */
  start: number;
  end: number;
  rpc: RpcPoolOptions;
  /** Also return the rows as COPY text for the hot table. */
  hot: boolean;
  /** The Parquet file's columns, in Cryo's order; default the dataset's default columns. */
  columns?: string[] | undefined;
  /**
   * `logs` only: a Solidity event signature. Only the logs that decode as it are kept (file and hot
   * rows alike, as Cryo keeps only them), the file with its decoded columns after the chosen ones.
   */
  event?: string | undefined;
  /** `balances` only: the addresses to read and the blocks of the range to read them at. */
  balances?: { addresses: `0x${string}`[]; blocks: number[] };
  /** Posted to (and closed) once the range is read from the node, before its decode. */
  read?: MessagePort;
}

/** A range read and decoded, ready for its Parquet file (compactToParquet) and its commit. */
export interface FetchedRange {
  /** The file's rows as one Arrow IPC stream, in a buffer of its own (the caller moves it on to the Parquet job). */
  ipc: ArrayBuffer;
  /**
   * COPY text of the rows, empty when `hot` was false. Copied back by structured clone: Piscina
   * moves only a transferable returned at the top level, not one nested in a result object.
   */
  copyText: Uint8Array;
  /** The hashes of the blocks the range was read at, for the commit to check and record. */
  blockHashes: BlockHashes;
  /** Milliseconds in the pool thread: `thread_start` (module loads, first job of a thread), `fetch`, `decode`, `copy_text`. */
  stages: StageTimings;
}

const rpcPoolFor = perThread<RpcPoolOptions, RpcPool>(async (options) => {
  const { RpcPool } = await import('../../../drivers/chain/rpcClient.js');
  return new RpcPool(options);
});

/** What fetchRange reads and decodes with (viem, Arrow): loaded once per thread. */
const readModules = () => Promise.all([import('../../../drivers/chain/datasets.js'), import('../../../drivers/chain/rpcClient.js')]);

/** What fetchRange encodes with (parquet-wasm compiles ~5 MB): loaded once per thread. */
const encoderModules = () =>
  Promise.all([
    import('../../../drivers/chain/datasets/logEvents.js'),
    import('../../../drivers/datasets/logEvent.js'),
    import('../../../drivers/chain/arrow/batchBuilder.js'),
    import('../../../drivers/parquet/parquetWriter.js'),
    import('../../../drivers/postgres/copyText.js'),
  ]);

/**
 * Thread job: loads every module of a cryo_ingest range (fetchRange, compactToParquet) on this
 * thread, so a sync's ranges find it ready (ThreadPool.warm); returns the thread's id.
 */
export async function warmIngest(): Promise<number> {
  await Promise.all([readModules(), encoderModules(), import('../../../drivers/store/s3ObjectStore.js')]);
  return threadId;
}

/**
 * Thread job, the first half of a cryo_ingest range, off the main thread: fetch over JSON-RPC,
 * decode into an Arrow batch with the Cryo schema, and render the hot rows as COPY text. Fetching
 * here rather than on the main thread saves structured-cloning the RPC JSON into the thread, which
 * cost twice the decode (139 ms vs 65 ms for 2,000 blocks). An RPC pool's concurrency and rate
 * limits therefore apply per pool thread. The file is written by a second job (compactToParquet),
 * so the caller knows when the node's part is over: its range's fetch slot is free from then on.
 */
export async function fetchRange(input: FetchRangeInput, signal?: AbortSignal): Promise<FetchedRange> {
  if (input.event !== undefined && input.dataset !== 'logs') throw new TypeError(`event: only a logs range decodes events, not ${input.dataset}`);
  const clock = new StageClock();
  const [[{ fetchDataset, decodeDataset, fetchedBlockHashes, fileBatch }], rpc] = await clock.time('thread_start', () => Promise.all([readModules(), rpcPoolFor(input.rpc)]));
  // A cold thread loads the encoders while the node answers.
  const encoders = encoderModules();
  encoders.catch(() => undefined);
  const range = { start: input.start, end: input.end };
  const fetched = await clock.time('fetch', () => fetchDataset(input.dataset, rpc, { range, ...input.balances, signal }));
  signal?.throwIfAborted();
  input.read?.postMessage(null);
  input.read?.close();
  const [{ decodeEvents, appendColumns }, { parseLogEvent }, { selectColumns }, { recordBatchToIpc }, { arrowToCopyText }] = await clock.time('thread_start', () => encoders);
  const { defaults, ipc } = await clock.time('decode', () => {
    const events = input.event === undefined ? undefined : decodeEvents(fetched as LogsFetched, parseLogEvent(input.event));
    const batch = decodeDataset(input.dataset, events?.fetched ?? fetched, input.chainId);
    // The decoder builds the optional columns too; the file keeps the chosen ones (and the decoded
    // event's), the hot rows the defaults.
    const defaults = fileBatch(input.dataset, batch);
    const chosen = input.columns === undefined ? defaults : selectColumns(batch, input.columns);
    return { defaults, ipc: recordBatchToIpc(events === undefined ? chosen : appendColumns(chosen, events.columns)) };
  });
  const copyText = await clock.time('copy_text', () => (input.hot ? arrowToCopyText([defaults]) : new Uint8Array(0)));
  return { ipc: ownBuffer(ipc), copyText, blockHashes: fetchedBlockHashes(input.dataset, fetched), stages: clock.timings };
}

/** The bytes of `view` as an ArrayBuffer of exactly its length (a view may share a larger one). */
function ownBuffer(view: Uint8Array): ArrayBuffer {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer) return view.buffer;
  return view.slice().buffer;
}
