/**
 * One embedded server shared by every process that resolves the same data dir (AVA runs test files
 * in parallel workers, `trace-lite up` beside `npm test`). Each open registers a user file; the
 * stop() that leaves no live user stops the server, not the first. A process killed without
 * stop() leaves the server running; the next open adopts it, and its own stop() stops it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { serveCluster } from './cluster.js';
import type { DataDirLayout } from './dataDirLayout.js';
import type { Log } from './diagnostics.js';
import { withLock } from './lockFile.js';
import { stopServer } from './postmaster.js';
import { isAlive } from './processes.js';

export interface SharedServer {
  url: string;
  /** Unregisters this user; stops the server when no live user is left. Idempotent. */
  stop(): Promise<void>;
}

let userSeq = 0;

export async function openSharedServer(files: DataDirLayout, log: Log): Promise<SharedServer> {
  await fs.mkdir(files.users, { recursive: true });
  const user = path.join(files.users, `${process.pid}-${++userSeq}`);
  const url = await withLock(files.lock, async () => {
    const served = await serveCluster(files, log);
    await fs.writeFile(user, '');
    return served;
  });
  let stopping: Promise<void> | undefined;
  return { url, stop: () => (stopping ??= release(files, user, log)) };
}

async function release(files: DataDirLayout, user: string, log: Log): Promise<void> {
  await withLock(files.lock, async () => {
    await fs.rm(user, { force: true });
    const others = await liveUsers(files.users);
    if (others > 0) {
      log('embedded PostgreSQL left running for other users', { users: others });
      return;
    }
    await stopServer(files, log);
  });
}

/** Users whose process is alive; entries of dead processes are removed. */
async function liveUsers(dir: string): Promise<number> {
  let live = 0;
  for (const name of await fs.readdir(dir)) {
    if (isAlive(Number.parseInt(name, 10))) live++;
    else await fs.rm(path.join(dir, name), { force: true });
  }
  return live;
}
