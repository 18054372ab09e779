/**
 * The S3 fault proxy in front of the embedded S3 server, over HTTP with the real client
 * (S3ObjectStore): signed requests pass through untouched, and each fault reaches the client as a
 * real server's would: 5xx retried then reported, a slow PUT late, a PUT whose answer is reset
 * retried, and a lost put (reset, then 503 for every retry) failed for the client although the
 * server stored the object.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedS3 } from '../../drivers/store/embeddedS3.js';
import { ObjectStoreUnavailableError } from '../../drivers/store/objectStore.js';
import { s3Operation, startS3FaultProxy, type S3Fault, type S3FaultProxy, type S3Operation } from '../../drivers/store/s3FaultProxy.js';
import { S3ObjectStore } from '../../drivers/store/s3ObjectStore.js';

const CREDENTIALS = { accessKeyId: 'test-key', secretAccessKey: 'test-secret' };
const BUCKET = 'proxied';

async function setUp(t: ExecutionContext): Promise<{ proxy: S3FaultProxy; viaProxy: S3ObjectStore; direct: S3ObjectStore }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trace-s3-proxy-'));
  const server = await startEmbeddedS3({ dataDir, ...CREDENTIALS });
  const proxy = await startS3FaultProxy({ target: server.endpoint });
  const open = (endpoint: string) => new S3ObjectStore({ endpoint, region: 'us-east-1', ...CREDENTIALS, forcePathStyle: true });
  const viaProxy = open(proxy.url);
  const direct = open(server.endpoint);
  t.teardown(async () => {
    viaProxy.close();
    direct.close();
    await proxy.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  await direct.ensureBuckets([BUCKET]);
  return { proxy, viaProxy, direct };
}

/** Every request of `operations` gets `fault`. */
function always(proxy: S3FaultProxy, fault: S3Fault, operations: readonly S3Operation[]): void {
  proxy.setSchedule({ seed: 1, probability: 1, faults: [fault], operations });
}

test('requests are classified by method and path (path-style)', (t) => {
  t.is(s3Operation('PUT', '/b/k/x.parquet'), 'put');
  t.is(s3Operation('GET', '/b/k'), 'get');
  t.is(s3Operation('GET', '/b?list-type=2&prefix=k'), 'list');
  t.is(s3Operation('HEAD', '/b/k'), 'head');
  t.is(s3Operation('POST', '/b/k?uploads'), 'post');
  t.is(s3Operation('POST', '/b?delete'), 'post');
});

test('without a schedule, signed requests pass through: put, get, head, list', async (t) => {
  const { proxy, viaProxy } = await setUp(t);
  await viaProxy.put(BUCKET, 'a/one', Buffer.from('one'));
  t.is(Buffer.from(await viaProxy.getBytes(BUCKET, 'a/one')).toString(), 'one');
  t.is((await viaProxy.head(BUCKET, 'a/one'))?.bytes, 3);
  const listed: string[] = [];
  for await (const o of viaProxy.list(BUCKET, 'a/')) listed.push(o.key);
  t.deepEqual(listed, ['a/one']);
  t.is(proxy.counters().forwarded, proxy.counters().requests);
});

test('503 SlowDown on every GET: the client retries, then reports the store unavailable', async (t) => {
  const { proxy, viaProxy, direct } = await setUp(t);
  await direct.put(BUCKET, 'k', Buffer.from('x'));
  always(proxy, { kind: 'status', status: 503 }, ['get']);
  await t.throwsAsync(viaProxy.getBytes(BUCKET, 'k'), { instanceOf: ObjectStoreUnavailableError, message: /get s3:\/\/proxied\/k failed after 5 attempt/ });
  t.is(proxy.counters().faults.status, 5);
});

test('500 on a HEAD and on a list is retried like any 5xx; the next attempt gets through', async (t) => {
  const { proxy, viaProxy, direct } = await setUp(t);
  await direct.put(BUCKET, 'k', Buffer.from('xy'));
  proxy.setSchedule({ seed: 3, probability: 0.5, faults: [{ kind: 'status', status: 500 }], operations: ['head', 'list'] });
  for (let i = 0; i < 5; i++) {
    t.is((await viaProxy.head(BUCKET, 'k'))?.bytes, 2);
    for await (const o of viaProxy.list(BUCKET, '')) t.is(o.key, 'k');
  }
  t.true(proxy.counters().faults.status > 0);
});

test('a slow PUT answers late', async (t) => {
  const { proxy, viaProxy } = await setUp(t);
  always(proxy, { kind: 'delay', ms: 400 }, ['put']);
  const started = Date.now();
  await viaProxy.put(BUCKET, 'slow', Buffer.from('s'));
  t.true(Date.now() - started >= 400);
});

test('a PUT whose answer is reset is retried by the client and lands once', async (t) => {
  const { proxy, viaProxy, direct } = await setUp(t);
  proxy.setSchedule({ seed: 1, probability: 1, faults: [{ kind: 'dropReply' }], operations: ['put'], maxFaults: 1 });
  await viaProxy.put(BUCKET, 'dropped', Buffer.from('body'));
  t.is(proxy.counters().faults.dropReply, 1);
  t.is(Buffer.from(await direct.getBytes(BUCKET, 'dropped')).toString(), 'body');
});

test('a lost put: the server stores the object, the client sees the put fail', async (t) => {
  const { proxy, viaProxy, direct } = await setUp(t);
  always(proxy, { kind: 'lostPut', retries: 4 }, ['put']);
  await t.throwsAsync(viaProxy.put(BUCKET, 'lost', Buffer.from('landed')), { instanceOf: ObjectStoreUnavailableError });
  proxy.setSchedule(undefined);
  t.is(proxy.counters().faults.lostPut, 1);
  t.is(Buffer.from(await direct.getBytes(BUCKET, 'lost')).toString(), 'landed', 'the object is there all the same');
});
