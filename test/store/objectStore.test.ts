import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmbeddedS3, type EmbeddedS3 } from '../../drivers/store/embeddedS3.js';
import { ObjectNotFoundError, ObjectStoreError, type ObjectInfo } from '../../drivers/store/objectStore.js';
import { MULTIPART_THRESHOLD, S3ObjectStore } from '../../drivers/store/s3ObjectStore.js';

/**
 * The S3 driver against the embedded server over real HTTP. One server for the file; tests run
 * concurrently, each under its own key prefix.
 */
const CREDENTIALS = { accessKeyId: 'test-key', secretAccessKey: 'test-secret' };
const BUCKET = 'objects';

let server: EmbeddedS3;
let store: S3ObjectStore;
let dataDir: string;

function openStore(endpoint: string, secretAccessKey = CREDENTIALS.secretAccessKey, accessKeyId = CREDENTIALS.accessKeyId): S3ObjectStore {
  return new S3ObjectStore({ endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, forcePathStyle: true });
}

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'trace-s3-'));
}

async function collect(items: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function prefix(t: ExecutionContext): string {
  return `${t.title.replace(/[^a-z0-9]+/gi, '-')}/`;
}

test.before(async () => {
  dataDir = await tempDir();
  server = await startEmbeddedS3({ dataDir, ...CREDENTIALS });
  store = openStore(server.endpoint);
  await store.ensureBuckets([BUCKET]);
});

test.after.always(async () => {
  store?.close();
  await server?.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

test('ensureBuckets is idempotent', async (t) => {
  await store.ensureBuckets(['boot-a', 'boot-b', 'boot-a']);
  await store.ensureBuckets(['boot-a', 'boot-b']);
  for (const bucket of ['boot-a', 'boot-b']) {
    await store.put(bucket, 'k', Buffer.from(bucket));
    t.is(Buffer.from(await store.getBytes(bucket, 'k')).toString(), bucket);
  }
});

test('put, head, get, getBytes, list, copy and delete', async (t) => {
  const p = prefix(t);
  const body = Buffer.from('hello objects');
  const put = await store.put(BUCKET, `${p}a.txt`, body, { contentType: 'text/plain' });
  t.is(put.bytes, body.length);
  t.regex(put.etag, /^[0-9a-f]{32}$/, 'unquoted md5');

  const head = await store.head(BUCKET, `${p}a.txt`);
  t.like(head, { key: `${p}a.txt`, etag: put.etag, bytes: body.length });
  t.true(head!.lastModified instanceof Date);

  t.deepEqual(await buffer(await store.get(BUCKET, `${p}a.txt`)), body);
  t.deepEqual(Buffer.from(await store.getBytes(BUCKET, `${p}a.txt`)), body);

  await store.copy(BUCKET, `${p}a.txt`, BUCKET, `${p}copy/b.txt`);
  t.deepEqual(Buffer.from(await store.getBytes(BUCKET, `${p}copy/b.txt`)), body);

  const listed = await collect(store.list(BUCKET, p));
  t.deepEqual(
    listed.map((o) => [o.key, o.bytes, o.etag]),
    [
      [`${p}a.txt`, body.length, put.etag],
      [`${p}copy/b.txt`, body.length, put.etag],
    ],
  );
  t.deepEqual(await collect(store.list(BUCKET, `${p}copy/`)).then((l) => l.map((o) => o.key)), [`${p}copy/b.txt`]);

  await store.delete(BUCKET, [`${p}a.txt`, `${p}never-existed`]);
  t.is(await store.head(BUCKET, `${p}a.txt`), undefined);
  t.deepEqual((await collect(store.list(BUCKET, p))).map((o) => o.key), [`${p}copy/b.txt`]);
  await store.delete(BUCKET, []);
});

test('keys with reserved characters round-trip, through copy too', async (t) => {
  const p = prefix(t);
  const keys = [`${p}block=1/part 0+1.parquet`, `${p}q?x#y&z/%41 (copy)!*'~.bin`, `${p}ünï/çødé`];
  for (const [i, key] of keys.entries()) {
    await store.put(BUCKET, key, Buffer.from(String(i)));
    await store.copy(BUCKET, key, BUCKET, `${key}.copy`);
    t.is(Buffer.from(await store.getBytes(BUCKET, `${key}.copy`)).toString(), String(i), key);
  }
  const listed = (await collect(store.list(BUCKET, p))).map((o) => o.key);
  t.deepEqual(listed.sort(), [...keys, ...keys.map((k) => `${k}.copy`)].sort());
});

test('objects above the multipart threshold go up in parts and read back identical', async (t) => {
  const p = prefix(t);
  const body = randomBytes(12 * 1024 * 1024); // 8 MiB + 4 MiB parts
  t.true(body.length > MULTIPART_THRESHOLD);
  const fromBytes = await store.put(BUCKET, `${p}bytes`, body);
  t.is(fromBytes.bytes, body.length);
  t.true(body.equals(Buffer.from(await store.getBytes(BUCKET, `${p}bytes`))));

  // A stream of unknown length: its bytes are counted on the way.
  const chunks = Array.from({ length: 12 }, (_, i) => body.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
  const fromStream = await store.put(BUCKET, `${p}stream`, Readable.from(chunks));
  t.is(fromStream.bytes, body.length);
  t.true(body.equals(await buffer(await store.get(BUCKET, `${p}stream`))));
  t.is((await store.head(BUCKET, `${p}stream`))?.etag, fromStream.etag);

  // Below the threshold a stream is one PutObject.
  const small = await store.put(BUCKET, `${p}small-stream`, Readable.from([Buffer.from('ab'), Buffer.from('c')]));
  t.is(small.bytes, 3);
  t.is(Buffer.from(await store.getBytes(BUCKET, `${p}small-stream`)).toString(), 'abc');
});

test('a failing source stream fails the put', async (t) => {
  const p = prefix(t);
  const source = new Readable({ read() {} });
  source.push(Buffer.alloc(1024));
  setImmediate(() => source.destroy(new Error('source broke')));
  const err = await t.throwsAsync(store.put(BUCKET, `${p}broken`, source));
  t.regex(err.message, /source broke/);
  t.is(await store.head(BUCKET, `${p}broken`), undefined);
});

test('a put sends nothing once its deadline passed: a body still arriving then never lands', async (t) => {
  const key = `${prefix(t)}late`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* slowBody(): AsyncGenerator<Buffer> {
    yield Buffer.from('first half, ');
    await released;
    yield Buffer.from('second half');
  }
  const deadline = Date.now() + 200;
  const put = store.put(BUCKET, key, Readable.from(slowBody()), { deadline });
  await sleep(deadline - Date.now() + 50); // the clock passes the deadline with the body unfinished
  release();
  await t.throwsAsync(put, { message: /deadline/ });
  await sleep(300); // what the upload would send after the body ended
  t.is(await store.head(BUCKET, key), undefined);
});

test('list follows continuation tokens past 1,000 keys; delete goes in batches of 1,000', async (t) => {
  const p = prefix(t);
  const keys = Array.from({ length: 1_100 }, (_, i) => `${p}${String(i).padStart(4, '0')}`);
  // 16 at a time: s3rver is one process; more in flight did not make it faster here.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let key = keys[next++]; key !== undefined; key = keys[next++]) await store.put(BUCKET, key, Buffer.from(key));
    }),
  );
  const listed = await collect(store.list(BUCKET, p));
  t.is(listed.length, keys.length);
  t.deepEqual(listed.map((o) => o.key), keys); // S3 lists in key order
  await store.delete(BUCKET, keys);
  t.deepEqual(await collect(store.list(BUCKET, p)), []);
});

test('a missing object is ObjectNotFoundError for get, getBytes and copy, undefined for head', async (t) => {
  const key = `${prefix(t)}missing`;
  for (const call of [() => store.get(BUCKET, key), () => store.getBytes(BUCKET, key), () => store.copy(BUCKET, key, BUCKET, `${key}2`)]) {
    const err = await t.throwsAsync(call(), { instanceOf: ObjectNotFoundError });
    t.like(err, { bucket: BUCKET, key, code: 'NoSuchKey' });
    t.true(err.message.includes(`s3://${BUCKET}/${key}`), err.message);
  }
  t.is(await store.head(BUCKET, key), undefined);
});

test('a missing bucket is an ObjectStoreError naming bucket, key and NoSuchBucket', async (t) => {
  for (const call of [() => store.put('no-such-bucket', 'some/key', Buffer.from('x')), () => store.getBytes('no-such-bucket', 'some/key')]) {
    const err = await t.throwsAsync(call(), { instanceOf: ObjectStoreError });
    t.false(err instanceof ObjectNotFoundError);
    t.like(err, { bucket: 'no-such-bucket', key: 'some/key', code: 'NoSuchBucket' });
    t.regex(err.message, /s3:\/\/no-such-bucket\/some\/key.*NoSuchBucket/);
  }
  const listErr = await t.throwsAsync(collect(store.list('no-such-bucket', 'x/')), { instanceOf: ObjectStoreError });
  t.is(listErr.code, 'NoSuchBucket');
});

test('wrong credentials are refused with a clear message', async (t) => {
  const badSecret = openStore(server.endpoint, 'not-the-secret');
  const badKey = openStore(server.endpoint, CREDENTIALS.secretAccessKey, 'not-the-key');
  t.teardown(() => {
    badSecret.close();
    badKey.close();
  });
  const key = `${prefix(t)}k`;
  const secretErr = await t.throwsAsync(badSecret.put(BUCKET, key, Buffer.from('x')), { instanceOf: ObjectStoreError });
  t.like(secretErr, { code: 'SignatureDoesNotMatch', bucket: BUCKET, key });
  t.true(secretErr.message.startsWith(`access denied to s3://${BUCKET}/${key}`), secretErr.message);
  t.regex(secretErr.message, /S3_ACCESS_KEY_ID\/S3_SECRET_ACCESS_KEY/);
  const keyErr = await t.throwsAsync(badKey.getBytes(BUCKET, key), { instanceOf: ObjectStoreError });
  t.is(keyErr.code, 'InvalidAccessKeyId');
  // HEAD answers carry no error body; a 403 is still access denied, not "missing".
  await t.throwsAsync(badSecret.head(BUCKET, key), { instanceOf: ObjectStoreError, message: /^access denied/ });
  t.is(await store.head(BUCKET, key), undefined, 'nothing was written');

  const anonymous = await fetch(`${server.endpoint}/${BUCKET}/${key}`, { method: 'PUT', body: 'x' });
  t.is(anonymous.status, 403);
  t.regex(await anonymous.text(), /<Code>AccessDenied<\/Code>/);
});

test('a stopped server fails a put within seconds instead of hanging', async (t) => {
  const dir = await tempDir();
  const own = await startEmbeddedS3({ dataDir: dir, ...CREDENTIALS });
  const client = openStore(own.endpoint);
  t.teardown(async () => {
    client.close();
    await own.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });
  await client.ensureBuckets([BUCKET]);
  await own.stop();
  const started = performance.now();
  const err = await t.throwsAsync(client.put(BUCKET, 'k', Buffer.from('x')));
  const ms = performance.now() - started;
  t.false(err instanceof ObjectStoreError, 'a dead server is not a 4xx');
  t.regex(err.message, /put s3:\/\/objects\/k failed after 5 attempt\(s\).*ECONNREFUSED/);
  t.true(ms < 5_000, `took ${Math.round(ms)} ms`);
});
