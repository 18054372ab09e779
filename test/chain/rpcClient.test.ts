import test, { type ExecutionContext } from 'ava';
import { numberToHex, type Quantity } from 'viem';
import { RpcPool, type RpcPoolOptions } from '../../drivers/chain/rpcClient.js';
import { RpcError } from '../../drivers/chain/rpcError.js';
import { rpcPoolsFromEnv } from '../../drivers/chain/rpcPools.js';
import type { RpcCall } from '../../drivers/chain/rpcSchema.js';
import { seedWorkload, startAnvil, type TestAnvil } from '../helpers/anvil.js';
import { startRpcFaultProxy, type FaultProxyOptions, type RpcFault, type RpcFaultProxy } from '../../drivers/chain/rpcFaultProxy.js';

let anvil: TestAnvil;
let head: number;

test.before(async () => {
  anvil = await startAnvil();
  ({ head } = await seedWorkload(anvil.url, 4));
});
test.after.always(async () => {
  await anvil?.stop();
});

async function proxy(t: ExecutionContext, options: Omit<FaultProxyOptions, 'target'> = {}): Promise<RpcFaultProxy> {
  const started = await startRpcFaultProxy({ target: anvil.url, ...options });
  t.teardown(() => started.stop());
  return started;
}

/** Fast retries for tests: 5 ms doubling to 50 ms. */
function pool(url: string, options: Partial<RpcPoolOptions> = {}): RpcPool {
  return new RpcPool({ name: 'main', url, backoffBaseMs: 5, backoffMaxMs: 50, ...options });
}

function blockCalls(count: number): RpcCall<'eth_getBlockByNumber'>[] {
  return Array.from({ length: count }, (_, i) => ({
    method: 'eth_getBlockByNumber' as const,
    params: [numberToHex(i % (head + 1)), true] as [Quantity, boolean],
  }));
}

test('a batch goes out as JSON-RPC batch arrays of the pool batch size, results in call order', async (t) => {
  const spy = await proxy(t);
  const calls = blockCalls(120);
  const results = await pool(spy.url, { batchSize: 50 }).batch(calls);
  t.deepEqual([...spy.counters().batchSizes].sort((a, b) => a - b), [20, 50, 50]);
  t.is(spy.counters().requests, 3);
  t.deepEqual(
    results.map((block) => block?.number),
    calls.map((call) => call.params[0]),
  );
  // The same answers as one call at a time.
  const direct = pool(anvil.url);
  t.deepEqual(results.slice(0, 8), await Promise.all(calls.slice(0, 8).map((call) => direct.call(call.method, call.params))));
});

test('no more requests in flight than the pool concurrency', async (t) => {
  const spy = await proxy(t, { latencyMs: 40 });
  const limited = pool(spy.url, { batchSize: 5, concurrency: 3 });
  await limited.batch(blockCalls(60));
  t.is(spy.counters().requests, 12);
  t.is(limited.metrics().maxInFlight, 3, 'the pool used its concurrency');
  // At most: on a loaded machine the server may see a request arrive after another one's answer.
  t.true(spy.counters().maxInFlight <= 3, `the server saw ${spy.counters().maxInFlight} at once`);
});

test('calls per second stay under the pool rps', async (t) => {
  const limited = pool(anvil.url, { batchSize: 10, rps: 50 });
  const started = performance.now();
  await limited.batch(blockCalls(100));
  const seconds = (performance.now() - started) / 1000;
  // A one-second burst (50 calls), then 50 more at 50 calls/s.
  t.true(seconds >= 0.9, `100 calls at 50/s took ${seconds.toFixed(2)} s`);
  t.true(seconds < 3, `took ${seconds.toFixed(2)} s`);
});

const FAULTS: [string, RpcFault, Partial<RpcPoolOptions>][] = [
  ['dropped connections', { kind: 'drop' }, {}],
  ['HTTP 429', { kind: 'status', status: 429 }, {}],
  ['HTTP 500', { kind: 'status', status: 500 }, {}],
  ['HTTP 503', { kind: 'status', status: 503 }, {}],
  ['bodies that are not JSON', { kind: 'malformedJson' }, {}],
  ['batch answers missing entries', { kind: 'truncateBatch' }, {}],
  ['batch entries without a result', { kind: 'corruptEntries' }, {}],
  ['timeouts', { kind: 'delay', ms: 1_500 }, { timeoutMs: 400 }],
];

for (const [name, fault, options] of FAULTS) {
  test(`retries ${name} and returns the node's answers`, async (t) => {
    // At most 8 faults: with a fixed every-2nd pattern and 4 requests in flight, one batch's
    // retries could otherwise keep landing on faulted slots until it runs out of retries.
    const faulty = await proxy(t, { schedule: { every: 2, faults: [fault] }, maxFaults: 8 });
    const calls = blockCalls(60);
    const client = pool(faulty.url, { batchSize: 10, ...options });
    const [viaFaults, direct] = await Promise.all([client.batch(calls), pool(anvil.url).batch(calls)]);
    t.deepEqual(viaFaults, direct);
    const injected = faulty.counters().faults[fault.kind];
    t.true(injected >= 3, `${injected} faults injected`);
    const metrics = client.metrics();
    // At least one retry per fault (more if a loaded machine makes a healthy request time out).
    t.true(metrics.retries >= injected, `${metrics.retries} retries`);
    t.is(metrics.errors, 0);
  });
}

test('batch entries without a usable answer are re-sent alone; a short batch answer is re-sent whole', async (t) => {
  const calls = blockCalls(10);
  const direct = await pool(anvil.url).batch(calls);
  const corrupting = await proxy(t, { schedule: { every: 1, faults: [{ kind: 'corruptEntries' }] }, maxFaults: 1 });
  t.deepEqual(await pool(corrupting.url).batch(calls), direct);
  t.deepEqual(corrupting.counters().batchSizes, [10, 5]);
  // viem's HTTP client rejects a batch answer with fewer entries than calls, keeping none of them.
  const truncating = await proxy(t, { schedule: { every: 1, faults: [{ kind: 'truncateBatch' }] }, maxFaults: 1 });
  t.deepEqual(await pool(truncating.url).batch(calls), direct);
  t.deepEqual(truncating.counters().batchSizes, [10, 10]);
});

test('a single call whose answer lacks its result is retried', async (t) => {
  const faulty = await proxy(t, { schedule: { every: 1, faults: [{ kind: 'truncateBatch' }] }, maxFaults: 2 });
  const client = pool(faulty.url);
  t.is(await client.call('eth_chainId', undefined), numberToHex(10143));
  t.is(faulty.counters().requests, 3);
  t.is(client.metrics().faults.malformed, 2);
});

test('a JSON-RPC error is the node answer: no retry, and the error names pool, method and code', async (t) => {
  const spy = await proxy(t);
  const client = pool(spy.url);
  const error = await t.throwsAsync(client.call('debug_traceBlockByNumber', [numberToHex(head + 100), { tracer: 'callTracer' }]), { instanceOf: RpcError });
  t.is(error.kind, 'rpc');
  t.is(error.code, -32001);
  t.is(error.method, 'debug_traceBlockByNumber');
  t.regex(error.message, /^rpc pool "main": debug_traceBlockByNumber \["0x[0-9a-f]+",\{"tracer":"callTracer"\}\] failed: JSON-RPC error -32001/);
  t.is(spy.counters().requests, 1);
  t.is(client.metrics().errors, 1);
});

test('-32005 (limit exceeded) is retried like a 429', async (t) => {
  const faulty = await proxy(t, { schedule: { every: 1, faults: [{ kind: 'rpcError', code: -32005, message: 'limit exceeded' }] }, maxFaults: 2 });
  const calls = blockCalls(5);
  t.deepEqual(await pool(faulty.url).batch(calls), await pool(anvil.url).batch(calls));
  t.is(faulty.counters().requests, 3);
});

test('gives up after maxRetries with an error naming pool, method and the last fault', async (t) => {
  const faulty = await proxy(t, { schedule: { every: 1, faults: [{ kind: 'malformedJson' }] } });
  const client = pool(faulty.url, { maxRetries: 2 });
  const error = await t.throwsAsync(client.batch(blockCalls(3)), { instanceOf: RpcError });
  t.is(error.kind, 'malformed');
  t.is(error.attempts, 3);
  t.regex(error.message, /^rpc pool "main": eth_getBlockByNumber \(batch of 3\) failed after 3 attempts: malformed response/);
  t.is(faulty.counters().requests, 3);
  t.like(client.metrics(), { requests: 3, retries: 2, errors: 1, faults: { timeout: 0, connection: 0, http: 0, malformed: 3, rpc: 0 } });
});

test('an HTTP 4xx other than 408/425/429 is not retried', async (t) => {
  const faulty = await proxy(t, { schedule: { every: 1, faults: [{ kind: 'status', status: 403 }] } });
  const error = await t.throwsAsync(pool(faulty.url).call('eth_blockNumber', undefined), { instanceOf: RpcError });
  t.is(error.kind, 'http');
  t.is(error.code, 403);
  t.regex(error.message, /eth_blockNumber .*failed: HTTP 403/);
  t.is(faulty.counters().requests, 1);
});

test('a failed batch stops its other requests', async (t) => {
  const faulty = await proxy(t, { latencyMs: 30, schedule: { every: 1, faults: [{ kind: 'status', status: 403 }] }, maxFaults: 1 });
  await t.throwsAsync(pool(faulty.url, { batchSize: 1, concurrency: 1 }).batch(blockCalls(20)), { instanceOf: RpcError });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.true(faulty.counters().requests <= 2, `${faulty.counters().requests} requests`);
});

test('pools from TRACE_RPC_POOL_<POOL>_* with their settings', (t) => {
  const pools = rpcPoolsFromEnv({
    TRACE_RPC_POOL_MAIN_URL: 'http://127.0.0.1:8545',
    TRACE_RPC_POOL_MAIN_CONCURRENCY: '8',
    TRACE_RPC_POOL_MAIN_RPS: '12.5',
    TRACE_RPC_POOL_MAIN_BATCH_SIZE: '25',
    TRACE_RPC_POOL_ARCHIVE_NODE_URL: 'https://rpc.example/v1?key=k',
    PATH: '/usr/bin',
  });
  t.deepEqual(pools.names.sort(), ['archive_node', 'main']);
  t.like(pools.get('MAIN'), { name: 'main', url: 'http://127.0.0.1:8545/', concurrency: 8, rps: 12.5, batchSize: 25 });
  t.like(pools.get('archive_node'), { concurrency: 4, batchSize: 50, rps: undefined });
  t.throws(() => pools.get('backup'), { message: 'unknown RPC pool "backup" (configured: main, archive_node); set TRACE_RPC_POOL_BACKUP_URL' });
  t.deepEqual(Object.keys(pools.metrics()).sort(), ['archive_node', 'main']);
});

test('bad pool settings are refused, naming the variable', (t) => {
  t.throws(() => rpcPoolsFromEnv({ TRACE_RPC_POOL_MAIN_URL: 'localhost:8545' }), { message: /TRACE_RPC_POOL_MAIN_URL: only http\(s\) RPC URLs/ });
  t.throws(() => rpcPoolsFromEnv({ TRACE_RPC_POOL_MAIN_URL: 'not a url' }), { message: /TRACE_RPC_POOL_MAIN_URL: not a URL/ });
  t.throws(() => rpcPoolsFromEnv({ TRACE_RPC_POOL_MAIN_URL: 'http://x', TRACE_RPC_POOL_MAIN_CONCURRENCY: '0' }), {
    message: 'TRACE_RPC_POOL_MAIN_CONCURRENCY: expected a positive integer, got "0"',
  });
  t.throws(() => rpcPoolsFromEnv({ TRACE_RPC_POOL_MAIN_URL: 'http://x', TRACE_RPC_POOL_MAIN_RPS: 'fast' }), { message: /TRACE_RPC_POOL_MAIN_RPS: expected a positive number/ });
  t.throws(() => rpcPoolsFromEnv({ TRACE_RPC_POOL_MAIN_URL: 'http://x', TRACE_RPC_POOL_MAIN_CONCURENCY: '4' }), {
    message: /TRACE_RPC_POOL_MAIN_CONCURENCY: not a setting of any RPC pool/,
  });
  t.throws(() => rpcPoolsFromEnv({ TRACE_RPC_POOL_MAIN_BATCH_SIZE: '4' }), { message: /TRACE_RPC_POOL_MAIN_BATCH_SIZE: not a setting/ });
});
