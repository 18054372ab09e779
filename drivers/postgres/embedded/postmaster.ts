/**
 * The embedded server process (the postmaster) of a cluster: adopting one that already serves it,
 * starting one on a free loopback port, and stopping it. It runs detached, so it outlives a process
 * killed without stop(); postmaster.pid in the cluster tells who runs it and on which port.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SUPERUSER, type Binaries, type ServerUser } from './binaries.js';
import type { DataDirLayout } from './dataDirLayout.js';
import { errorCode, errorMessage, type Log } from './diagnostics.js';
import { PROBE_TIMEOUT_MS, probeFailure, queryValue } from './probe.js';
import { isAlive, signal } from './processes.js';

// Measured here (2 cores): start 25-70 ms, 120-260 ms when it first recovers from a killed server;
// fast shutdown 10-75 ms. The timeouts only catch a wedged server.
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
/** Immediate shutdown writes no checkpoint: a server still up after this will not stop. */
const IMMEDIATE_STOP_TIMEOUT_MS = 5_000;
/** A free port can be taken between our probe and postgres' bind; two more ports cover that race. */
const START_ATTEMPTS = 3;
/** E.g. backends of a killed postmaster still detaching from shared memory. */
const START_RETRY_DELAY_MS = 250;
/** Waiting for a server that is starting, recovering or shutting down (tens of milliseconds). */
const ADOPT_POLL_MS = 50;
/** A start takes 25-70 ms: a few probes. */
const START_POLL_MS = 20;
/** A fast shutdown takes 10-75 ms. */
const STOP_POLL_MS = 10;
/** Enough of the server log for the lines that say why it exited. */
const LOG_TAIL_CHARS = 2_000;

const execFileAsync = promisify(execFile);

export function localUrl(port: number, password: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/**
 * The port of a postmaster already serving this cluster: an orphan of a killed run, or another
 * process's server. A postmaster.pid whose process is gone, or is not a postmaster of this cluster
 * (its pid reused after a reboot), is removed: postgres itself would refuse to start over a reused
 * pid of the same OS user.
 */
export async function runningPort(files: DataDirLayout, password: string, log: Log): Promise<number | undefined> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const owner = await readPidFile(files.cluster);
    if (owner === undefined) return undefined;
    if (!(await isPostmasterOf(owner.pid, files.cluster))) {
      await fs.rm(path.join(files.cluster, 'postmaster.pid'), { force: true });
      log('removed stale postmaster.pid', { pid: owner.pid });
      return undefined;
    }
    if (owner.port !== undefined && (await servesCluster(owner.port, password, files.cluster))) {
      log('reusing running embedded PostgreSQL', { pid: owner.pid, port: owner.port });
      return owner.port;
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL pid ${owner.pid} holds ${files.cluster} but does not answer on port ${owner.port}; see ${files.log}`);
    }
    await sleep(ADOPT_POLL_MS);
  }
}

async function servesCluster(port: number, password: string, cluster: string): Promise<boolean> {
  try {
    const dir = await queryValue(localUrl(port, password), "SELECT current_setting('data_directory')", PROBE_TIMEOUT_MS);
    return typeof dir === 'string' && (await fs.realpath(dir)) === (await fs.realpath(cluster));
  } catch {
    return false;
  }
}

/** Starts a postmaster on `port` (a free loopback port when omitted) and waits until it accepts connections. */
export async function start(files: DataDirLayout, bin: Binaries, server: ServerUser | undefined, password: string, log: Log, port?: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(port ?? (await freePort()), files, bin, server, password, log);
    } catch (err) {
      if (attempt === START_ATTEMPTS) throw err;
      log('embedded PostgreSQL did not start; retrying', { error: errorMessage(err) });
      await sleep(START_RETRY_DELAY_MS);
    }
  }
}

async function startOn(port: number, files: DataDirLayout, bin: Binaries, server: ServerUser | undefined, password: string, log: Log): Promise<number> {
  const started = performance.now();
  // Output goes to a file, not a pipe: a pipe nobody drains would block the server, and keep this
  // process alive. Detached: a terminal's Ctrl-C reaches only us, so the app can drain before stop().
  const out = await fs.open(files.log, 'w');
  let child;
  try {
    child = spawn(
      bin.postgres,
      ['-D', files.cluster, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { detached: true, stdio: ['ignore', out.fd, out.fd], ...server },
    );
  } finally {
    await out.close(); // the child holds its own copy
  }
  child.unref();
  let exit: string | undefined;
  child.once('error', (err) => (exit ??= errorMessage(err)));
  child.once('exit', (code, signal) => (exit ??= `exited with ${signal ?? `code ${code}`}`));
  const url = localUrl(port, password);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if ((await probeFailure(url, PROBE_TIMEOUT_MS)) === undefined) break;
    if (exit !== undefined) throw new Error(`embedded PostgreSQL ${exit}: ${await tail(files.log)}`);
    if (Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new Error(`embedded PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms: ${await tail(files.log)}`);
    }
    await sleep(START_POLL_MS);
  }
  log('started embedded PostgreSQL', { port, pid: child.pid, ms: Math.round(performance.now() - started) });
  return port;
}

/** Stops the cluster's postmaster, if one runs: a fast shutdown, then an immediate one. */
export async function stopServer(files: DataDirLayout, log: Log): Promise<void> {
  const owner = await readPidFile(files.cluster);
  if (owner === undefined || !(await isPostmasterOf(owner.pid, files.cluster))) return;
  const started = performance.now();
  // SIGINT is a fast shutdown: open transactions abort, a checkpoint is written, the server exits.
  signal(owner.pid, 'SIGINT');
  if (!(await exited(owner.pid, files.cluster, STOP_TIMEOUT_MS))) {
    signal(owner.pid, 'SIGQUIT'); // immediate shutdown; the next start runs crash recovery
    if (!(await exited(owner.pid, files.cluster, IMMEDIATE_STOP_TIMEOUT_MS))) throw new Error(`embedded PostgreSQL pid ${owner.pid} does not stop`);
  }
  log('stopped embedded PostgreSQL', { pid: owner.pid, ms: Math.round(performance.now() - started) });
}

async function exited(pid: number, cluster: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isPostmasterOf(pid, cluster)) {
    if (Date.now() > deadline) return false;
    await sleep(STOP_POLL_MS);
  }
  return true;
}

async function readPidFile(cluster: string): Promise<{ pid: number; port: number | undefined } | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(cluster, 'postmaster.pid'), 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  // Line 1 is the postmaster's pid, line 4 its port.
  const lines = text.split('\n');
  const port = Number(lines[3]);
  return { pid: Number(lines[0]), port: Number.isInteger(port) && port > 0 ? port : undefined };
}

/**
 * Whether pid is alive and a postmaster of this cluster. On Linux its cwd tells exactly (the
 * postmaster chdirs into PGDATA before writing postmaster.pid; a zombie has none); elsewhere
 * any live process named postgres is taken at its word.
 */
async function isPostmasterOf(pid: number, cluster: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  if (process.platform === 'linux') {
    try {
      return (await fs.readlink(`/proc/${pid}/cwd`)) === (await fs.realpath(cluster));
    } catch {
      return false;
    }
  }
  try {
    return (await execFileAsync('ps', ['-o', 'comm=', '-p', String(pid)])).stdout.includes('postgres');
  } catch {
    return true;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function tail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.slice(-LOG_TAIL_CHARS).trim();
}
