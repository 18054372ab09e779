import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { openObjectStore, startEmbeddedS3, type EmbeddedS3 } from '../../drivers/store/embeddedS3.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { createLogger } from '../../runtime/logger.js';
import type { TestInstallation } from './installation.js';

/** A temp dir for one test's S3 files, removed at teardown (after the stores registered later closed). */
async function s3DataDir(t: ExecutionContext): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trace-s3-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

/** An embedded S3 server for one test, over real HTTP, in a temp dir removed at teardown. */
export async function embeddedObjects(t: ExecutionContext, inst: TestInstallation): Promise<{ objects: LazyObjectStore; dataDir: string }> {
  const dataDir = await s3DataDir(t);
  const objects = new LazyObjectStore(() => openObjectStore({ config: inst.config, dataDir, log: createLogger('silent') }));
  t.teardown(() => objects.close());
  await objects.get();
  return { objects, dataDir };
}

/**
 * An embedded S3 server the test can stop (an outage: connections are refused) and start again on
 * the same port over the same files; the store's client keeps its endpoint throughout.
 */
export async function interruptibleObjects(
  t: ExecutionContext,
  inst: TestInstallation,
): Promise<{ objects: LazyObjectStore; stop(): Promise<void>; restart(): Promise<void> }> {
  const dataDir = await s3DataDir(t);
  const { s3AccessKeyId: accessKeyId, s3SecretAccessKey: secretAccessKey } = inst.config;
  let server: EmbeddedS3 = await startEmbeddedS3({ dataDir, accessKeyId, secretAccessKey });
  const { endpoint } = server;
  const objects = new LazyObjectStore(() => openObjectStore({ config: { ...inst.config, s3Endpoint: endpoint, s3ForcePathStyle: true }, dataDir }));
  t.teardown(async () => {
    await objects.close();
    await server.stop();
  });
  await objects.get();
  return {
    objects,
    stop: () => server.stop(),
    restart: async () => {
      server = await startEmbeddedS3({ dataDir, accessKeyId, secretAccessKey, port: Number(new URL(endpoint).port) });
    },
  };
}
