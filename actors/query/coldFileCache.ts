/**
 * A local read-through cache of registered cold files: DuckDB here cannot read S3 (no httpfs), so a
 * query's files are fetched through the object store driver into this directory first. Entries are
 * keyed by object key + ETag, the directory is capped at `maxBytes`, and the least recently used
 * files that no running query holds are evicted first. Files survive restarts: a file already on
 * disk under the name for (key, ETag) is adopted instead of fetched again.
 *
 * A file is written under a temporary `.part` name and renamed into place only once every byte is
 * on disk, so a write cut short (the disk full, the process killed) is never read as the file: it
 * is removed, the query fails with QueryCacheFullError (ENOSPC) or the write's error, and the next
 * query fetches the file again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { failpoint, FailpointError, safeguardSkipped } from '../../runtime/failpoints.js';
import type { ObjectStore } from '../../drivers/store/objectStore.js';
import type { ColdObject } from './registrySnapshot.js';

/** Objects fetched at once for one query: the embedded S3 server answers ~8 in parallel well. */
const FETCH_CONCURRENCY = 8;

interface Entry {
  file: string;
  bytes: number;
  lastUsed: number;
  pins: number;
}

export interface HeldFiles {
  /** Local paths, in the order the objects were asked for. */
  paths: string[];
  /** How many were already cached. */
  hits: number;
  /** Lets the files be evicted again; call once the query has finished reading them. */
  release(): void;
}

/** The cache's disk is full: the query could not fetch its files; retrying once space is freed (or the cap lowered) works. */
export class QueryCacheFullError extends Error {
  override name = 'QueryCacheFullError';
  readonly reason = 'cache_full';
}

export class ColdFileCache {
  /** By file name (`<sha of bucket/key>-<etag>.parquet`). */
  private readonly entries = new Map<string, Entry>();
  /** The ETag last seen for a bucket/key: registered keys are never rewritten, so it holds. */
  private readonly etags = new Map<string, string>();
  private readonly fetching = new Map<string, Promise<Entry>>();
  private totalBytes = 0;
  private clock = 0;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly store: () => Promise<ObjectStore>,
  ) {}

  get bytes(): number {
    return this.totalBytes;
  }

  async hold(objects: readonly ColdObject[]): Promise<HeldFiles> {
    await (this.ready ??= this.adoptExisting());
    const held: Entry[] = [];
    let hits = 0;
    const release = () => {
      for (const entry of held.splice(0)) entry.pins--;
      this.evict();
    };
    try {
      const results: Entry[] = new Array(objects.length);
      let next = 0;
      const worker = async () => {
        while (next < objects.length) {
          const i = next++;
          const { entry, hit } = await this.entryFor(objects[i]!);
          entry.pins++;
          held.push(entry);
          if (hit) hits++;
          results[i] = entry;
        }
      };
      await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, objects.length) }, worker));
      this.evict();
      return { paths: results.map((e) => path.join(this.dir, e.file)), hits, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  private async entryFor(object: ColdObject): Promise<{ entry: Entry; hit: boolean }> {
    const id = `${object.bucket}/${object.key}`;
    let etag = this.etags.get(id);
    if (etag === undefined) {
      const info = await (await this.store()).head(object.bucket, object.key);
      if (!info) throw new Error(`registered object s3://${id} is missing from the store`);
      etag = info.etag.replaceAll('"', '');
      this.etags.set(id, etag);
    }
    const file = `${createHash('sha256').update(id).digest('hex').slice(0, 32)}-${etag.replace(/[^A-Za-z0-9_-]/g, '_')}.parquet`;
    const cached = this.entries.get(file);
    if (cached) {
      cached.lastUsed = ++this.clock;
      return { entry: cached, hit: true };
    }
    let pending = this.fetching.get(file);
    if (!pending) {
      pending = this.fetch(object, file).finally(() => this.fetching.delete(file));
      this.fetching.set(file, pending);
    }
    return { entry: await pending, hit: false };
  }

  private async fetch(object: ColdObject, file: string): Promise<Entry> {
    const target = path.join(this.dir, file);
    const partial = `${target}.${randomBytes(4).toString('hex')}.part`;
    try {
      await pipeline(await (await this.store()).get(object.bucket, object.key), diskWrites(partial), createWriteStream(partial));
    } catch (err) {
      // The bug this prevents: a write cut short published as the file, read by every later query.
      if (!safeguardSkipped('queryCache.discardFailedWrite')) {
        await rm(partial, { force: true });
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
          throw new QueryCacheFullError(`the query cache's disk is full: cannot store a copy of s3://${object.bucket}/${object.key} in ${this.dir}; retry once space is freed or TRACE_QUERY_CACHE_BYTES is lowered`, { cause: err });
        }
        throw err;
      }
    }
    await rename(partial, target);
    return this.add(file, (await stat(target)).size);
  }

  private add(file: string, bytes: number): Entry {
    const entry: Entry = { file, bytes, lastUsed: ++this.clock, pins: 0 };
    this.entries.set(file, entry);
    this.totalBytes += bytes;
    return entry;
  }

  /** Counts the files an earlier process left, oldest first, so the cap covers them too. */
  private async adoptExisting(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const found: { file: string; bytes: number; mtime: number }[] = [];
    for (const file of await readdir(this.dir)) {
      const full = path.join(this.dir, file);
      if (file.endsWith('.part')) {
        await rm(full, { force: true });
        continue;
      }
      if (!file.endsWith('.parquet')) continue;
      const info = await stat(full);
      found.push({ file, bytes: info.size, mtime: info.mtimeMs });
    }
    for (const f of found.sort((a, b) => a.mtime - b.mtime)) this.add(f.file, f.bytes);
    this.evict();
  }

  /** Removes the least recently used unpinned files until the cache fits its cap. */
  private evict(): void {
    if (this.totalBytes <= this.maxBytes) return;
    const candidates = [...this.entries.values()].filter((e) => e.pins === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of candidates) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(entry.file);
      this.totalBytes -= entry.bytes;
      rmSync(path.join(this.dir, entry.file), { force: true });
    }
  }
}

/**
 * Passes a file's bytes on to its write; failpoint `queryCache.write` (hit before each chunk) makes
 * a write fail as a full disk does, with ENOSPC, after the chunks before it were written.
 */
function diskWrites(file: string): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      (async () => failpoint('queryCache.write', { file }))().then(
        () => done(null, chunk),
        (err: unknown) => done(err instanceof FailpointError ? Object.assign(new Error(`ENOSPC: no space left on device, write '${file}' (${err.message})`), { code: 'ENOSPC' }) : (err as Error)),
      );
    },
  });
}
