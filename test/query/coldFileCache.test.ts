/**
 * The local read-through cache of cold files, against the embedded S3 server over HTTP: keyed by
 * key + ETag, capped in bytes, least recently used evicted first, never a file a query holds, and
 * files on disk adopted by the next process; a write the disk refuses (ENOSPC) is never served.
 */
import test, { type ExecutionContext } from 'ava';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ColdFileCache, QueryCacheFullError } from '../../actors/query/coldFileCache.js';
import { classifyQueryFailure } from '../../actors/query/queryFailures.js';
import { armFailpoint, disarmFailpoint } from '../../runtime/failpoints.js';
import type { ObjectStore } from '../../drivers/store/objectStore.js';
import { createInstallation } from '../helpers/installation.js';
import { embeddedObjects } from '../helpers/objectStore.js';

const BUCKET = 'datasets';

async function setUp(t: ExecutionContext): Promise<{ store: ObjectStore; dir: string; cache: (maxBytes: number) => ColdFileCache }> {
  const inst = await createInstallation(t);
  const { objects } = await embeddedObjects(t, inst);
  const store = await objects.get();
  await store.ensureBuckets([BUCKET]);
  for (const name of ['a', 'b', 'c']) await store.put(BUCKET, `cold/${name}.parquet`, new Uint8Array(1_000).fill(name.charCodeAt(0)));
  const dir = await mkdtemp(path.join(tmpdir(), 'trace-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return { store, dir, cache: (maxBytes) => new ColdFileCache(dir, maxBytes, async () => store) };
}

const obj = (name: string) => ({ bucket: BUCKET, key: `cold/${name}.parquet` });

test('hits after the first read, evicts the least recently used beyond the cap', async (t) => {
  const { dir, cache } = await setUp(t);
  const c = cache(2_500);
  const first = await c.hold([obj('a')]);
  t.is(first.hits, 0);
  t.deepEqual([...(await readFile(first.paths[0]!))].slice(0, 3), [97, 97, 97], 'the object bytes, fetched over S3');
  first.release();
  const again = await c.hold([obj('a'), obj('b')]);
  t.is(again.hits, 1);
  again.release();
  (await c.hold([obj('a')])).release(); // a is now more recent than b
  (await c.hold([obj('c')])).release(); // 3,000 bytes > 2,500: b goes
  t.is(c.bytes, 2_000);
  t.is((await readdir(dir)).length, 2);
  const after = await c.hold([obj('a'), obj('b'), obj('c')]);
  t.is(after.hits, 2, 'a and c stayed, b was fetched again');
  after.release();
});

test('files a query holds are never evicted; they go once released', async (t) => {
  const { dir, cache } = await setUp(t);
  const c = cache(1_500);
  const held = await c.hold([obj('a'), obj('b')]);
  t.is(c.bytes, 2_000, 'over the cap while both are held');
  const other = await c.hold([obj('c')]);
  t.is((await readdir(dir)).length, 3);
  other.release();
  t.is(c.bytes, 2_000, 'c was released and evicted; a and b are still held');
  held.release();
  t.true(c.bytes <= 1_500);
});

test('a new process adopts the files on disk, and a changed object (new ETag) is a new entry', async (t) => {
  const { store, cache } = await setUp(t);
  const before = cache(10_000);
  const a = await before.hold([obj('a')]);
  a.release();
  const restarted = cache(10_000);
  const adopted = await restarted.hold([obj('a')]);
  t.is(adopted.hits, 1, 'no download after a restart');
  t.is(adopted.paths[0], a.paths[0]);
  adopted.release();

  await store.put(BUCKET, 'cold/a.parquet', new Uint8Array(1_000).fill(122));
  const changed = await cache(10_000).hold([obj('a')]);
  t.is(changed.hits, 0);
  t.not(changed.paths[0], a.paths[0]);
  t.is((await readFile(changed.paths[0]!))[0], 122);
  changed.release();
});

test.serial("the cache's disk full: the query gets QueryCacheFullError (HTTP 503 cache_full), no partial file stays, the next query fetches it whole", async (t) => {
  const { dir, cache } = await setUp(t);
  const c = cache(10_000);
  armFailpoint('queryCache.write', 'throw', 1);
  t.teardown(() => disarmFailpoint('queryCache.write'));
  const error = await t.throwsAsync(c.hold([obj('a')]), { instanceOf: QueryCacheFullError, message: /the query cache's disk is full: cannot store a copy of s3:\/\/datasets\/cold\/a.parquet/ });
  t.is((error?.cause as NodeJS.ErrnoException | undefined)?.code, 'ENOSPC');
  t.deepEqual(await readdir(dir), [], 'neither the file nor its partial write is left');
  t.is(c.bytes, 0);
  t.like(classifyQueryFailure(error), { status: 503, reason: 'cache_full' });

  const after = await c.hold([obj('a')]);
  t.is(after.hits, 0, 'fetched again, not served from the failed write');
  t.deepEqual(await readFile(after.paths[0]!), Buffer.from(new Uint8Array(1_000).fill(97)));
  after.release();
});
