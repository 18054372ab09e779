/**
 * Reads a block range `[start, end)` from a node through an `RpcPool`: one call per block for
 * blocks, receipts and traces (the pool batches them, 50 per request and 4 in flight by default),
 * `eth_getLogs` over sub-ranges for logs, and `eth_getBalance` per (address, block) pair. Results
 * are the node's JSON, checked only for presence and block numbers here; the dataset decoders check
 * the values.
 *
 * Logs come from `eth_getLogs` rather than from receipts: one call covers LOGS_BLOCKS_PER_CALL
 * blocks and returns only the logs, where receipts cost a call per block and carry a 256-byte bloom
 * and the receipt fields besides. A sub-range the node refuses (result or range limits, e.g.
 * -32005) is split in halves down to single blocks.
 */
import { numberToHex, type Address, type Quantity, type RpcBlock, type RpcLog, type RpcTransactionReceipt } from 'viem';
import type { RpcPool } from './rpcClient.js';
import { RpcError } from './rpcError.js';
import type { CallFrame, CallTracerConfig, PrestateDiff, PrestateDiffTracerConfig, TransactionTrace } from './rpcSchema.js';

/** Blocks `start` (inclusive) to `end` (exclusive). */
export interface BlockRange {
  start: number;
  end: number;
}

export interface FetchOptions {
  signal?: AbortSignal;
}

export type RpcBlockWithHashes = RpcBlock<'latest', false>;
export type RpcBlockWithTransactions = RpcBlock<'latest', true>;

/** `debug_traceBlockByNumber` output of one block, with the tracer's result per transaction. */
export interface BlockTraces<Result = CallFrame> {
  blockNumber: number;
  traces: TransactionTrace<Result>[];
}

/** One `eth_getBalance` answer. */
export interface BalanceRead {
  block: number;
  address: Address;
  balance: Quantity;
}

/**
 * Blocks per `eth_getLogs` call. On anvil (2,000 blocks of 12 logs) 50, 200 and 1,000 blocks per
 * call all read ~14,000 blocks/s, so the size is set by endpoints: 100 stays under the range caps
 * common on public RPCs (refusals are split anyway) and gives a 1,000-block task 10 calls to run
 * side by side.
 */
export const LOGS_BLOCKS_PER_CALL = 100;

/**
 * JSON-RPC errors that no smaller range cures (method not found, invalid request). Range and
 * result limits come as -32005, -32602, -32000 or -32603 depending on the node, so any other
 * error splits the span.
 */
const UNSPLITTABLE_CODES = new Set([-32601, -32600]);

/** A node answer that is well-formed JSON-RPC but not the data asked for. */
export class ChainFetchError extends Error {
  override readonly name = 'ChainFetchError';
}

export function blockNumbers(range: BlockRange): number[] {
  checkRange(range);
  return Array.from({ length: range.end - range.start }, (_, i) => range.start + i);
}

export async function fetchBlocks(pool: RpcPool, range: BlockRange, fullTransactions: true, options?: FetchOptions): Promise<RpcBlockWithTransactions[]>;
export async function fetchBlocks(pool: RpcPool, range: BlockRange, fullTransactions: false, options?: FetchOptions): Promise<RpcBlockWithHashes[]>;
/** `eth_getBlockByNumber` for every block of the range, with full transactions or their hashes. */
export async function fetchBlocks(pool: RpcPool, range: BlockRange, fullTransactions: boolean, options: FetchOptions = {}): Promise<RpcBlock[]> {
  const numbers = blockNumbers(range);
  const blocks = await pool.batch(
    numbers.map((n) => ({ method: 'eth_getBlockByNumber' as const, params: [numberToHex(n), fullTransactions] as [Quantity, boolean] })),
    options,
  );
  return blocks.map((block, i) => {
    const n = numbers[i]!;
    if (block === null) throw missing(pool, 'eth_getBlockByNumber', n);
    if (block.number !== numberToHex(n)) {
      throw new ChainFetchError(`rpc pool "${pool.name}": eth_getBlockByNumber ${n} answered block ${String(block.number)}`);
    }
    return block;
  });
}

/** `eth_getBlockReceipts` for every block of the range, one array of receipts per block. */
export async function fetchReceipts(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<RpcTransactionReceipt[][]> {
  const numbers = blockNumbers(range);
  const receipts = await pool.batch(
    numbers.map((n) => ({ method: 'eth_getBlockReceipts' as const, params: [numberToHex(n)] as [Quantity] })),
    options,
  );
  return receipts.map((list, i) => {
    if (!Array.isArray(list)) throw missing(pool, 'eth_getBlockReceipts', numbers[i]!);
    return list;
  });
}

/** `eth_getLogs` over the range in sub-ranges of `blocksPerCall`, in block and log order. */
export async function fetchLogs(pool: RpcPool, range: BlockRange, options: FetchOptions & { blocksPerCall?: number } = {}): Promise<RpcLog[]> {
  checkRange(range);
  const step = options.blocksPerCall ?? LOGS_BLOCKS_PER_CALL;
  if (!Number.isSafeInteger(step) || step < 1) throw new RangeError(`blocksPerCall must be a positive integer, got ${step}`);
  const spans: [number, number][] = [];
  for (let from = range.start; from < range.end; from += step) spans.push([from, Math.min(range.end, from + step) - 1]);
  const parts = await allOrNothing(options.signal, (signal) => spans.map(([from, to]) => logsBetween(pool, from, to, signal)));
  return parts.flat();
}

/** Logs of blocks `from`..`to` (inclusive), halving the span while the node refuses it. */
async function logsBetween(pool: RpcPool, from: number, to: number, signal: AbortSignal): Promise<RpcLog[]> {
  try {
    const logs = await pool.call('eth_getLogs', [{ fromBlock: numberToHex(from), toBlock: numberToHex(to) }], { signal });
    if (!Array.isArray(logs)) throw new ChainFetchError(`rpc pool "${pool.name}": eth_getLogs ${from}..${to} answered ${JSON.stringify(logs)}`);
    return logs;
  } catch (err) {
    if (!(err instanceof RpcError && err.kind === 'rpc' && !UNSPLITTABLE_CODES.has(err.code ?? 0) && to > from)) throw err;
    const mid = Math.floor((from + to) / 2);
    const [low, high] = await Promise.all([logsBetween(pool, from, mid, signal), logsBetween(pool, mid + 1, to, signal)]);
    return [...low, ...high];
  }
}

/** `debug_traceBlockByNumber` with geth's callTracer for every block of the range. */
export function fetchCallTraces(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<BlockTraces[]> {
  return fetchBlockTraces<CallFrame>(pool, range, { tracer: 'callTracer' }, options);
}

/** `debug_traceBlockByNumber` with geth's prestateTracer in diff mode for every block of the range. */
export function fetchPrestateDiffs(pool: RpcPool, range: BlockRange, options: FetchOptions = {}): Promise<BlockTraces<PrestateDiff>[]> {
  return fetchBlockTraces<PrestateDiff>(pool, range, { tracer: 'prestateTracer', tracerConfig: { diffMode: true } }, options);
}

/** The node answers with the result shape of the tracer `config` names; the decoders check the values. */
async function fetchBlockTraces<Result>(
  pool: RpcPool,
  range: BlockRange,
  config: CallTracerConfig | PrestateDiffTracerConfig,
  options: FetchOptions,
): Promise<BlockTraces<Result>[]> {
  const numbers = blockNumbers(range);
  const traces = await pool.batch(
    numbers.map((n) => ({ method: 'debug_traceBlockByNumber' as const, params: [numberToHex(n), config] as [Quantity, typeof config] })),
    options,
  );
  return traces.map((list, i) => {
    if (!Array.isArray(list)) throw missing(pool, 'debug_traceBlockByNumber', numbers[i]!);
    return { blockNumber: numbers[i]!, traces: list as TransactionTrace<Result>[] };
  });
}

/** `eth_getBalance` of every address at every block, block-major (all addresses of a block together). */
export async function fetchBalances(pool: RpcPool, addresses: readonly Address[], blocks: readonly number[], options: FetchOptions = {}): Promise<BalanceRead[]> {
  const pairs = blocks.flatMap((block) => addresses.map((address) => ({ block, address })));
  const balances = await pool.batch(
    pairs.map(({ block, address }) => ({ method: 'eth_getBalance' as const, params: [address, numberToHex(block)] as [Address, Quantity] })),
    options,
  );
  return pairs.map(({ block, address }, i) => ({ block, address, balance: balances[i]! }));
}

function missing(pool: RpcPool, method: string, block: number): ChainFetchError {
  return new ChainFetchError(`rpc pool "${pool.name}": ${method} has no block ${block} (is the range past the node's head?)`);
}

function checkRange({ start, end }: BlockRange): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid block range [${start}, ${end})`);
  }
}

/** Runs the tasks together; the first failure aborts the others' signal and rejects. */
async function allOrNothing<T>(signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>[]): Promise<T[]> {
  const controller = new AbortController();
  const combined = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  try {
    return await Promise.all(start(combined));
  } catch (err) {
    controller.abort();
    throw err;
  }
}

/** The node's canonical hash of each block from the lowest to the highest of `blocks` (lower-case hex). */
export async function canonicalHashes(pool: RpcPool, blocks: readonly number[], options: FetchOptions = {}): Promise<Map<number, string>> {
  if (blocks.length === 0) return new Map();
  const range = { start: Math.min(...blocks), end: Math.max(...blocks) + 1 };
  const fetched = await fetchBlocks(pool, range, false, options);
  return new Map(fetched.map((block, i) => [range.start + i, (block.hash ?? '').toLowerCase()]));
}
