/**
 * Run by test/process/launcher.test.ts as its own process: starts one managed process that never
 * writes a line (`sleep`), prints its pid, and waits forever under a cleanup that never finishes (as
 * a cleanup stuck on a statement would), so that only a second signal ends it.
 */
import path from 'node:path';
import { withCleanup } from '../../cli/processes/interrupt.js';
import { ManagedProcess } from '../../cli/processes/managedProcess.js';

/** The working directory the test made (and removes). */
const dir = process.argv[2]!;
const sleeper = new ManagedProcess({ name: 'sleeper', command: 'sleep', args: ['600'], env: process.env, cwd: dir, logFile: path.join(dir, 'sleeper.log') });
const forever = () => new Promise<never>(() => setInterval(() => undefined, 60_000));
await withCleanup(forever, async () => {
  await sleeper.start();
  process.stdout.write(`${sleeper.pid}\n`);
  await forever();
});
