import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { openObjectStore } from '../../drivers/store/embeddedS3.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { createLogger } from '../../runtime/logger.js';
import type { TestInstallation } from './installation.js';

/** An embedded S3 server for one test, over real HTTP, in a temp dir removed at teardown. */
export async function embeddedObjects(t: ExecutionContext, inst: TestInstallation): Promise<{ objects: LazyObjectStore; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trace-s3-'));
  const objects = new LazyObjectStore(() => openObjectStore({ config: inst.config, dataDir, log: createLogger('silent') }));
  t.teardown(async () => {
    await objects.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  await objects.get();
  return { objects, dataDir };
}
