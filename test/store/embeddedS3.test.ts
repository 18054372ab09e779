import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openObjectStore, startEmbeddedS3, type StoreLog } from '../../drivers/store/embeddedS3.js';
import { S3ObjectStore } from '../../drivers/store/s3ObjectStore.js';
import { loadConfig } from '../../runtime/config.js';

const CREDENTIALS = { accessKeyId: 'test-key', secretAccessKey: 'test-secret' };

/** A fresh Lite data dir, removed after the test. */
async function tempDataDir(t: ExecutionContext): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trace-s3-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

function openStore(endpoint: string): S3ObjectStore {
  return new S3ObjectStore({ endpoint, region: 'us-east-1', ...CREDENTIALS, forcePathStyle: true });
}

/** A log that keeps its warnings. */
function recordingLog(): StoreLog & { warnings: { msg: string; fields: Record<string, unknown> }[] } {
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  return { warnings, info: () => undefined, warn: (fields, msg) => void warnings.push({ msg, fields }) };
}

test('objects persist across a restart on the same data dir', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await startEmbeddedS3({ dataDir, ...CREDENTIALS });
  const before = openStore(first.endpoint);
  await before.ensureBuckets(['keep']);
  await before.put('keep', 'a/b', Buffer.from('still here'));
  before.close();
  await first.stop();
  await first.stop(); // idempotent

  const second = await startEmbeddedS3({ dataDir, ...CREDENTIALS });
  const after = openStore(second.endpoint);
  t.teardown(async () => {
    after.close();
    await second.stop();
  });
  await after.ensureBuckets(['keep']); // already there
  t.is(Buffer.from(await after.getBytes('keep', 'a/b')).toString(), 'still here');
  t.true((await fs.stat(path.join(dataDir, 's3'))).isDirectory());
});

test('openObjectStore without S3_ENDPOINT starts the embedded server and creates the buckets', async (t) => {
  const dataDir = await tempDataDir(t);
  const config = loadConfig({}, { dataDir, bucketDatasets: 'lite-ds', bucketResults: 'lite-rs', bucketScratch: 'lite-sc' });
  const opened = await openObjectStore({ config, dataDir });
  t.teardown(() => opened.stop());
  t.true(opened.embedded);
  t.regex(opened.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  for (const bucket of ['lite-ds', 'lite-rs', 'lite-sc']) await opened.store.put(bucket, 'k', Buffer.from(bucket));
  // The server takes the configured credentials only.
  const other = new S3ObjectStore({ endpoint: opened.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
  t.teardown(() => other.close());
  await t.throwsAsync(other.getBytes('lite-ds', 'k'), { message: /^access denied/ });
});

test('openObjectStore with S3_ENDPOINT uses it, and stop() leaves that server alone', async (t) => {
  const dataDir = await tempDataDir(t);
  const external = await startEmbeddedS3({ dataDir, ...CREDENTIALS });
  t.teardown(() => external.stop());
  const config = loadConfig({}, { s3Endpoint: external.endpoint, s3AccessKeyId: CREDENTIALS.accessKeyId, s3SecretAccessKey: CREDENTIALS.secretAccessKey });
  const opened = await openObjectStore({ config, dataDir: path.join(dataDir, 'unused') });
  t.false(opened.embedded);
  t.is(opened.endpoint, external.endpoint);
  await opened.store.put(config.bucketDatasets, 'k', Buffer.from('v'));
  await opened.stop();
  const direct = openStore(external.endpoint);
  t.teardown(() => direct.close());
  t.is(Buffer.from(await direct.getBytes(config.bucketDatasets, 'k')).toString(), 'v');
});

test('openObjectStore fails, naming the endpoint, when S3_ENDPOINT does not answer', async (t) => {
  const dataDir = await tempDataDir(t);
  const dead = await startEmbeddedS3({ dataDir, ...CREDENTIALS });
  await dead.stop(); // its port is now closed
  const config = loadConfig({}, { s3Endpoint: dead.endpoint });
  const err = await t.throwsAsync(openObjectStore({ config, dataDir }));
  t.true(err.message.includes(dead.endpoint), err.message);
});

test('a port in use fails the start with a clear error', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await startEmbeddedS3({ dataDir, ...CREDENTIALS });
  t.teardown(() => first.stop());
  const port = Number(new URL(first.endpoint).port);
  await t.throwsAsync(startEmbeddedS3({ dataDir, ...CREDENTIALS, port }), { message: /did not start: .*EADDRINUSE/ });
});

test('a child that dies unexpectedly is logged', async (t) => {
  const dataDir = await tempDataDir(t);
  const log = recordingLog();
  const server = await startEmbeddedS3({ dataDir, ...CREDENTIALS, log });
  t.teardown(() => server.stop());
  process.kill(server.pid, 'SIGKILL');
  for (let i = 0; i < 200 && log.warnings.length === 0; i++) await sleep(10);
  t.is(log.warnings[0]?.msg, 'embedded S3 server exited unexpectedly');
  t.like(log.warnings[0]?.fields, { pid: server.pid, signal: 'SIGKILL' });
  await server.stop(); // after the death: resolves at once
});
