/**
 * The suite's own embedded PostgreSQL: a cluster under the run directory, served on one loopback
 * port for the whole run, so that it can be SIGKILLed (the postmaster and every backend: its
 * process group, which this suite started) and restarted where the services' URLs point.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { serveCluster } from '../../drivers/postgres/embedded/cluster.js';
import { dataDirLayout, type DataDirLayout } from '../../drivers/postgres/embedded/dataDirLayout.js';
import { isAlive, signal } from '../../drivers/postgres/embedded/processes.js';
import { stopServer } from '../../drivers/postgres/embedded/postmaster.js';
import { killOnInterruptedExit } from '../processes/interrupt.js';

/** Backends notice their postmaster died within a few ms; this bounds a wedged one. */
const GONE_TIMEOUT_MS = 10_000;
const GONE_POLL_MS = 20;

export class OwnPostgres {
  private constructor(
    private readonly files: DataDirLayout,
    readonly url: string,
    private readonly forgetInterruptedExitKill: () => void,
  ) {}

  static async start(dir: string): Promise<OwnPostgres> {
    const files = dataDirLayout(path.resolve(dir));
    await mkdir(files.dataDir, { recursive: true });
    // Its postmaster runs in a process group of its own, which a terminal's Ctrl-C does not reach: a
    // second signal (the suite then exits without its cleanups) kills it here, from its start on.
    const forget = killOnInterruptedExit(() => signal(-postmasterPid(files), 'SIGKILL'));
    try {
      return new OwnPostgres(files, await serveCluster(files, () => undefined), forget);
    } catch (err) {
      forget();
      throw err;
    }
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** The postmaster's pid. */
  async pid(): Promise<number> {
    return postmasterPid(this.files);
  }

  /** SIGKILLs the postmaster and its backends (its process group), and waits until all are gone. */
  async kill(): Promise<number> {
    const pid = await this.pid();
    signal(-pid, 'SIGKILL');
    const deadline = Date.now() + GONE_TIMEOUT_MS;
    while (isAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`embedded PostgreSQL pid ${pid} survived SIGKILL`);
      await delay(GONE_POLL_MS);
    }
    return pid;
  }

  /** Starts the cluster again on the same port (crash recovery runs first). */
  async restart(): Promise<void> {
    const url = await serveCluster(this.files, () => undefined, this.port);
    if (url !== this.url) throw new Error(`embedded PostgreSQL came back at ${url}, not ${this.url}`);
  }

  async stop(): Promise<void> {
    await stopServer(this.files, () => undefined);
    this.forgetInterruptedExitKill();
  }
}

/** The postmaster's pid, from the cluster's postmaster.pid (line 1); synchronous for the hard-exit kill. */
function postmasterPid(files: DataDirLayout): number {
  return Number(readFileSync(path.join(files.cluster, 'postmaster.pid'), 'utf8').split('\n')[0]);
}
