import test from 'ava';
import { numberToHex, type Address } from 'viem';
import { DATASETS, decodeDataset, type CryoDatasetName, type DatasetRequest } from '../../drivers/chain/datasets.js';
import { ChainFetchError, fetchBlocks, fetchLogs } from '../../drivers/chain/fetch.js';
import { RpcPool, type RpcPoolOptions } from '../../drivers/chain/rpcClient.js';
import type { CallFrame, PrestateDiff, TransactionTrace } from '../../drivers/chain/rpcSchema.js';
import { recordBatchToIpc } from '../../drivers/parquet/parquetWriter.js';
import { ANVIL_CHAIN_ID, DEV_ACCOUNTS, seedWorkload, startAnvil, type SeededWorkload, type TestAnvil } from '../helpers/anvil.js';
import { startRpcFaultProxy } from '../../drivers/chain/rpcFaultProxy.js';

let anvil: TestAnvil;
let workload: SeededWorkload;
let request: DatasetRequest;

test.before(async () => {
  anvil = await startAnvil();
  workload = await seedWorkload(anvil.url, 12);
  const addresses: Address[] = [DEV_ACCOUNTS[0]!, DEV_ACCOUNTS[3]!, workload.fixture];
  request = { range: { start: 0, end: workload.head + 1 }, addresses };
});
test.after.always(async () => {
  await anvil?.stop();
});

function pool(url: string, options: Partial<RpcPoolOptions> = {}): RpcPool {
  return new RpcPool({ name: 'main', url, backoffBaseMs: 5, backoffMaxMs: 50, ...options });
}

/** A plain JSON-RPC call, independent of the driver under test. */
async function nodeCall<T>(method: string, params: unknown[]): Promise<T> {
  const response = await fetch(anvil.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await response.json()) as { result: T };
  return body.result;
}

const DATASET_NAMES = Object.keys(DATASETS) as CryoDatasetName[];

test('through drops, 429s, 500s, delays, timeouts, malformed JSON and truncated or corrupted batches every dataset fetches the same data as directly', async (t) => {
  const faulty = await startRpcFaultProxy({
    target: anvil.url,
    // Every other request, cycling through the faults (deterministic in arrival order).
    schedule: {
      every: 2,
      faults: [
        { kind: 'drop' },
        { kind: 'status', status: 429 },
        { kind: 'status', status: 500 },
        { kind: 'delay', ms: 20 },
        { kind: 'delay', ms: 1_500 },
        { kind: 'malformedJson' },
        { kind: 'truncateBatch' },
        { kind: 'corruptEntries' },
      ],
    },
    // Bounded, so no batch can meet faults on every one of its retries.
    maxFaults: 48,
  });
  t.teardown(() => faulty.stop());
  // Small batches, so the range takes many requests and meets every kind of fault.
  const viaFaults = pool(faulty.url, { batchSize: 3, concurrency: 3, timeoutMs: 500, maxRetries: 20 });
  const direct = pool(anvil.url);
  for (const name of DATASET_NAMES) {
    const dataset = DATASETS[name];
    const [faultyData, directData] = await Promise.all([dataset.fetch(viaFaults, request), dataset.fetch(direct, request)]);
    t.deepEqual(faultyData, directData, name);
    const decoded = (data: typeof directData): Uint8Array => recordBatchToIpc(decodeDataset(name, data, ANVIL_CHAIN_ID));
    t.deepEqual(decoded(faultyData), decoded(directData), name);
  }
  const { faults, requests } = faulty.counters();
  t.log(`${requests} requests, faults injected: ${JSON.stringify(faults)}, retries: ${viaFaults.metrics().retries}`);
  for (const kind of ['drop', 'status', 'delay', 'malformedJson', 'truncateBatch', 'corruptEntries'] as const) t.true(faults[kind] > 0, `no ${kind} fault injected`);
  t.is(viaFaults.metrics().errors, 0);
  t.is(direct.metrics().retries, 0);
});

test('row counts equal what the node reports: blocks, transactions in block bodies, eth_getLogs, tracer call frames', async (t) => {
  const direct = pool(anvil.url);
  const { start, end } = request.range;
  const numbers = Array.from({ length: end - start }, (_, i) => start + i);
  const bodies = await Promise.all(numbers.map((n) => nodeCall<{ transactions: string[] }>('eth_getBlockByNumber', [numberToHex(n), false])));
  const logs = await nodeCall<unknown[]>('eth_getLogs', [{ fromBlock: numberToHex(start), toBlock: numberToHex(end - 1) }]);
  const traces = await Promise.all(numbers.map((n) => nodeCall<TransactionTrace[]>('debug_traceBlockByNumber', [numberToHex(n), { tracer: 'callTracer' }])));
  const diffs = await Promise.all(numbers.map((n) => nodeCall<TransactionTrace<PrestateDiff>[]>('debug_traceBlockByNumber', [numberToHex(n), { tracer: 'prestateTracer', tracerConfig: { diffMode: true } }])));
  // An account's balance changed when diff mode lists a post balance other than its pre balance (0 when absent).
  const balanceChanges = ({ pre, post }: PrestateDiff): number =>
    Object.entries(post).filter(([address, state]) => state.balance !== undefined && BigInt(state.balance) !== BigInt(pre[address as Address]?.balance ?? 0)).length;
  const frames = (frame: CallFrame): number => 1 + (frame.calls ?? []).reduce((sum, call) => sum + frames(call), 0);

  const expected: Record<CryoDatasetName, number> = {
    blocks: end - start,
    transactions: bodies.reduce((sum, body) => sum + body.transactions.length, 0),
    logs: logs.length,
    geth_calls: traces.flat().reduce((sum, trace) => sum + frames(trace.result!), 0),
    geth_balance_diffs: diffs.flat().reduce((sum, trace) => sum + balanceChanges(trace.result!), 0),
    balances: request.addresses!.length * (end - start),
  };
  t.is(expected.transactions, workload.transactions.length);
  t.true(expected.logs > 50 && expected.geth_calls > expected.transactions, JSON.stringify(expected));
  for (const name of DATASET_NAMES) {
    const batch = decodeDataset(name, await DATASETS[name].fetch(direct, request), ANVIL_CHAIN_ID);
    t.is(batch.numRows, expected[name], name);
  }
});

test('geth_calls top frames carry the receipt gas used (anvil 1.7 traces report the block cumulative)', async (t) => {
  const direct = pool(anvil.url);
  const fetched = await DATASETS.geth_calls.fetch(direct, request);
  const batch = decodeDataset('geth_calls', fetched, ANVIL_CHAIN_ID);
  const receipts = fetched.receipts.flat();
  const topGasUsed: bigint[] = [];
  const traceAddress = batch.getChild('trace_address')!;
  const gasUsed = batch.getChild('gas_used_string')!;
  for (let i = 0; i < batch.numRows; i++) if (traceAddress.get(i) === '') topGasUsed.push(BigInt(gasUsed.get(i) as string));
  t.deepEqual(
    topGasUsed,
    receipts.map((receipt) => BigInt(receipt.gasUsed)),
  );
  // What the tracer itself says for the later transactions of a block is larger: it is cumulative.
  const nodeTop = fetched.blocks.flatMap((block) => block.traces.map((trace) => BigInt(trace.result!.gasUsed)));
  t.true(nodeTop.some((value, i) => value > topGasUsed[i]!));
});

test('a log range the node refuses is split in halves until it is answered', async (t) => {
  const refusing = await startRpcFaultProxy({
    target: anvil.url,
    schedule: { every: 1, faults: [{ kind: 'rpcError', code: -32602, message: 'query returned more than 10000 results' }] },
    maxFaults: 2,
  });
  t.teardown(() => refusing.stop());
  const logs = await fetchLogs(pool(refusing.url), request.range);
  t.deepEqual(logs, await fetchLogs(pool(anvil.url), request.range, { blocksPerCall: 3 }));
  // The whole range (refused), its first half (refused), that half's halves, the second half.
  t.is(refusing.counters().requests, 5);
});

test('a range past the head fails with the pool, method and block named', async (t) => {
  const head = workload.head;
  const error = await t.throwsAsync(fetchBlocks(pool(anvil.url), { start: head - 1, end: head + 2 }, false), { instanceOf: ChainFetchError });
  t.is(error.message, `rpc pool "main": eth_getBlockByNumber has no block ${head + 1} (is the range past the node's head?)`);
  await t.throwsAsync(fetchBlocks(pool(anvil.url), { start: 5, end: 4 }, false), { message: 'invalid block range [5, 4)' });
});

test('a node answering with the wrong block (the next one) is never taken for the block asked: the fetch retries or fails, never returns it', async (t) => {
  const lying = await startRpcFaultProxy({ target: anvil.url, schedule: { every: 1, faults: [{ kind: 'wrongBlock' }] }, maxFaults: 2 });
  t.teardown(() => lying.stop());
  const range = { start: 0, end: 4 };
  const direct = await fetchBlocks(pool(anvil.url), range, false);
  const viaLies = await fetchBlocks(pool(lying.url, { batchSize: 4, maxRetries: 5 }), range, false).catch((err: unknown) => err);
  t.true(lying.counters().faults.wrongBlock >= 1, 'the proxy lied at least once');
  if (viaLies instanceof Error) t.pass(`refused: ${viaLies.message}`);
  else t.deepEqual((viaLies as typeof direct).map((b) => b.hash), direct.map((b) => b.hash));
});
