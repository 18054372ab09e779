/**
 * The embedded cluster (PGDATA): initialised once with initdb, checked against the binaries'
 * major version, and served by a postmaster that is adopted when one runs and started when none
 * does. Callers hold the data dir's lock file.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SUPERUSER, binaries, importEmbeddedPostgres, isRoot, preflight, serverUser, type Binaries } from './binaries.js';
import type { DataDirLayout } from './dataDirLayout.js';
import { errorMessage, type Log } from './diagnostics.js';
import { localUrl, runningPort, start } from './postmaster.js';

const PASSWORD_FILE = 'trace-lite.password';
/** 192 random bits: no guessing, and base64url-encoded it needs no escaping in a URL. */
const PASSWORD_BYTES = 24;

/**
 * The URL of a postmaster serving the cluster, initialising the cluster on first use; a new one
 * listens on `port` when given (a fault-injection suite restarts its own server where its clients
 * look for it), else on a free port.
 */
export async function serveCluster(files: DataDirLayout, log: Log, port?: number): Promise<string> {
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
  const serving = (await runningPort(files, password, log)) ?? (await start(files, bin, server, password, log, port));
  return localUrl(serving, password);
}

async function initialise(files: DataDirLayout, bin: Binaries, log: Log): Promise<void> {
  // We hold the lock, so any staging dir left here is from an initdb that was killed.
  for (const name of await fs.readdir(files.dataDir)) {
    if (name.startsWith('postgres.init-')) await fs.rm(path.join(files.dataDir, name), { recursive: true, force: true });
  }
  const staging = path.join(files.dataDir, `postgres.init-${process.pid}`);
  const password = randomBytes(PASSWORD_BYTES).toString('base64url');
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

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
