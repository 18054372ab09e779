/**
 * The lock file that serialises initialising, starting and stopping the embedded server between
 * the processes sharing one data dir. It holds its holder's pid, so a lock whose holder died is
 * taken over instead of waited out.
 */
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode } from './diagnostics.js';
import { isAlive } from './processes.js';

/** Measured (2 cores): initdb 0.45 s alone, 0.7-1.3 s beside other work; this only catches a wedged holder. */
const LOCK_TIMEOUT_MS = 120_000;
/** Holders keep the lock for tens of milliseconds (start, stop) to about a second (initdb). */
const LOCK_POLL_MS = 20;

/** Runs fn holding an exclusive lock file; a lock whose holder died is taken over. */
export async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      await fs.writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && !isAlive(holder)) {
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${LOCK_TIMEOUT_MS} ms waiting for ${lockFile} (held by pid ${holder})`);
    await sleep(LOCK_POLL_MS);
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}
