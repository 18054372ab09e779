/**
 * Where Trace Lite's object store comes from. An explicit S3_ENDPOINT (MinIO, AWS S3) is used as
 * is; otherwise an embedded S3 server (s3rver, pinned in package.json) runs as a child process on
 * a loopback port, serving the files under `${dataDir}/s3`.
 *
 * Files under the data dir:
 *   s3/      buckets and objects, as s3rver lays them out; they outlive the server
 *   s3.log   the servers' output (only their faults: s3rver runs silent), appended
 *
 * The node (`up`) serves it on the fixed loopback port TRACE_S3_PORT (default 8788), so other tools
 * and the one-shot commands reach the running node's store there; a command that finds no server
 * on that port runs a private one on a free port for its own lifetime (as every process does with
 * TRACE_S3_PORT=0). The child exits when
 * stop() is called or when its parent goes away (its IPC channel closes), so a killed process
 * leaves no server behind. s3rver ignores conditional writes (If-None-Match): nothing may rely on
 * them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../runtime/config.js';
import type { ObjectStore } from './objectStore.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3ObjectStore.js';
import type { ChildMessage, StartMessage } from './s3rverMain.js';

/** The two levels used here, as pino's Logger has them. */
export interface StoreLog {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface EmbeddedS3Options {
  /** Lite data directory; objects live in `${dataDir}/s3`. */
  dataDir: string;
  /** The only credentials the server accepts (Signature Version 4). */
  accessKeyId: string;
  secretAccessKey: string;
  /** Loopback port; a free one when omitted. */
  port?: number;
  log?: StoreLog;
}

export interface EmbeddedS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  pid: number;
  /** SIGTERM (requests in flight finish), SIGKILL after STOP_TIMEOUT_MS; idempotent. */
  stop(): Promise<void>;
}

/**
 * Who keeps the endpoint up: the configured S3 (`external`), a node's embedded server on the fixed
 * port (`node`: this process serves it, or a running `up` does), or this process alone (`process`:
 * it stops with it).
 */
export type StoreLifetime = 'external' | 'node' | 'process';

export interface OpenedObjectStore {
  store: ObjectStore;
  endpoint: string;
  embedded: boolean;
  lifetime: StoreLifetime;
  /** Closes the store and stops the embedded server, if any. */
  stop(): Promise<void>;
  /** How to reach the same store from another thread (the pool's compaction jobs). */
  connection: S3ObjectStoreOptions;
  /** The process id of the embedded server this process started, if it started one (bench/ingest counts its CPU). */
  serverPid?: number;
}

export type ObjectStoreConfig = Pick<
  Config,
  's3Endpoint' | 's3Port' | 's3Region' | 's3AccessKeyId' | 's3SecretAccessKey' | 's3ForcePathStyle' | 'bucketDatasets' | 'bucketResults' | 'bucketScratch'
>;

// Measured here (2 cores): the child is ready 150-165 ms after fork (350 ms with a cold disk
// cache; loading s3rver is most of it), up to 1.4 s beside other test files, and stops in 5-10 ms.
// The limits only catch a wedged child.
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const MAIN = fileURLToPath(new URL('./s3rverMain.js', import.meta.url));

const silent: StoreLog = { info: () => undefined, warn: () => undefined };

/** Starts s3rver in a child process on 127.0.0.1; resolves once it listens. */
export async function startEmbeddedS3(opts: EmbeddedS3Options): Promise<EmbeddedS3> {
  const log = opts.log ?? silent;
  const dataDir = path.resolve(opts.dataDir);
  const logFile = path.join(dataDir, 's3.log');
  await fs.mkdir(dataDir, { recursive: true });
  const started = performance.now();
  // Output goes to a file: a pipe would have to be drained, and would keep this process alive.
  const out = await fs.open(logFile, 'a');
  let child: ChildProcess;
  try {
    child = fork(MAIN, [], {
      execPath: process.execPath,
      execArgv: ['--openssl-legacy-provider'], // instead of ours (a test runner's loaders, --inspect)
      stdio: ['ignore', out.fd, out.fd, 'ipc'],
    });
  } finally {
    await out.close(); // the child holds its own copy
  }
  const start: StartMessage = {
    type: 'start',
    directory: path.join(dataDir, 's3'),
    accessKeyId: opts.accessKeyId,
    secretAccessKey: opts.secretAccessKey, // over IPC, not argv or env, which other users can read
    port: opts.port ?? 0,
  };
  let port: number;
  try {
    port = await ready(child, start, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const pid = child.pid ?? -1;
  let stopping: Promise<void> | undefined;
  child.once('exit', (code, signal) => {
    if (stopping === undefined) log.warn({ pid, code, signal, log: logFile }, 'embedded S3 server exited unexpectedly');
  });
  child.on('error', (err) => log.warn({ pid, error: err.message }, 'embedded S3 server: signal or IPC failed'));
  // Neither the child nor its channel keeps this process alive; the child exits when we do.
  child.unref();
  child.channel?.unref();
  log.info({ endpoint: `http://127.0.0.1:${port}`, pid, dir: start.directory, ms: Math.round(performance.now() - started) }, 'started embedded S3 server');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid,
    stop: () => (stopping ??= terminate(child)),
  };
}

/** Hands the child its start message; resolves with the port it reports, or why it did not start. */
function ready(child: ChildProcess, start: StartMessage, logFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: { port: number } | { error: string }) => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit).off('error', onError);
      if ('port' in outcome) resolve(outcome.port);
      else reject(new Error(`embedded S3 server did not start: ${outcome.error} (see ${logFile})`));
    };
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'waiting') child.send(start, (err) => err && settle({ error: err.message }));
      else settle(message.type === 'ready' ? { port: message.port } : { error: message.message });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => settle({ error: `it exited with ${signal ?? `code ${code}`}` });
    const onError = (err: Error) => settle({ error: err.message });
    const timer = setTimeout(() => settle({ error: `no answer within ${START_TIMEOUT_MS} ms` }), START_TIMEOUT_MS);
    child.on('message', onMessage).on('exit', onExit).on('error', onError);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** How long a probe of the fixed store port waits for a connection: loopback answers in well under 1 ms. */
const PORT_PROBE_TIMEOUT_MS = 500;

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(PORT_PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true)).once('error', () => done(false));
  });
}

/**
 * The configured S3 endpoint; else the embedded store a running node serves on the fixed port;
 * else an embedded server under dataDir, on the fixed port when `serve` (the node) and on a free
 * one otherwise. Either way with the configured buckets created.
 */
export async function openObjectStore(opts: { config: ObjectStoreConfig; dataDir: string; log?: StoreLog; serve?: boolean }): Promise<OpenedObjectStore> {
  const { config } = opts;
  const log = opts.log ?? silent;
  const credentials = { region: config.s3Region, accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey };
  let opened: OpenedObjectStore;
  if (config.s3Endpoint !== undefined) {
    const connection = { ...credentials, endpoint: config.s3Endpoint, forcePathStyle: config.s3ForcePathStyle };
    const store = new S3ObjectStore(connection);
    log.info({ endpoint: config.s3Endpoint }, 'using S3');
    opened = { store, endpoint: config.s3Endpoint, embedded: false, lifetime: 'external', connection, stop: async () => store.close() };
  } else if (config.s3Port > 0 && (await listening(config.s3Port))) {
    const endpoint = `http://127.0.0.1:${config.s3Port}`;
    const connection = { ...credentials, endpoint, forcePathStyle: true };
    const store = new S3ObjectStore(connection);
    log.info({ endpoint }, "using the running node's embedded S3 server");
    opened = { store, endpoint, embedded: true, lifetime: 'node', connection, stop: async () => store.close() };
    try {
      await store.ensureBuckets([config.bucketDatasets, config.bucketResults, config.bucketScratch]);
    } catch (err) {
      store.close();
      throw new Error(`something listens on ${endpoint} (TRACE_S3_PORT) but is not this installation's store: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return opened;
  } else {
    const port = opts.serve ? config.s3Port : 0;
    const server = await startEmbeddedS3({ dataDir: opts.dataDir, accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey, log, port });
    // Path-style whatever the config says: <bucket>.127.0.0.1 does not resolve.
    const connection = { ...credentials, endpoint: server.endpoint, forcePathStyle: true };
    const store = new S3ObjectStore(connection);
    opened = {
      store,
      endpoint: server.endpoint,
      embedded: true,
      lifetime: port > 0 ? 'node' : 'process',
      connection,
      serverPid: server.pid,
      stop: async () => {
        store.close();
        await server.stop();
      },
    };
  }
  try {
    await opened.store.ensureBuckets([config.bucketDatasets, config.bucketResults, config.bucketScratch]);
  } catch (err) {
    await opened.stop();
    throw err;
  }
  return opened;
}
