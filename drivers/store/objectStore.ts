import type { Readable } from 'node:stream';

/**
 * The object store seen by the core (S3 API: the embedded server in Lite, MinIO in compose, AWS S3).
 * Objects are only ever found through the dataset registry in Postgres; nothing lists a bucket to
 * decide what is visible (listing is for the janitor and for tools).
 */
/**
 * A put sends no request after its deadline, by default this long after it began. bench/parquet's
 * largest write (1,000,000 logs rows, 72 MB) takes ~2 s and a 50-block range ~0.5 s: 10 minutes
 * fails only a stuck upload, and stays well under the default staging TTL (1 h).
 */
export const MAX_UPLOAD_MS = 600_000;
/**
 * Every request ends within this, answered or destroyed, so none sent before a put's deadline can
 * land more than this after it: an 8 MiB part needs ≥ 70 KB/s.
 */
export const MAX_REQUEST_MS = 120_000;

export interface ObjectInfo {
  key: string;
  etag: string;
  bytes: number;
  lastModified: Date;
}

export interface PutResult {
  etag: string;
  bytes: number;
}

export interface ObjectStore {
  /** Creates the buckets that do not exist yet; idempotent. */
  ensureBuckets(buckets: readonly string[]): Promise<void>;
  /**
   * Uploads an object; bodies above the multipart threshold (or of unknown length) go up in parts.
   * Nothing of it is sent after `deadline` (epoch ms; MAX_UPLOAD_MS from now by default): a put
   * not done by then fails, and cannot land later than MAX_REQUEST_MS after it.
   */
  put(bucket: string, key: string, body: Uint8Array | Readable, options?: { contentType?: string; deadline?: number }): Promise<PutResult>;
  /** The object's bytes as a stream. Throws ObjectNotFoundError when it does not exist. */
  get(bucket: string, key: string): Promise<Readable>;
  /** The object's bytes, read whole (small objects: manifests, buffers). */
  getBytes(bucket: string, key: string): Promise<Uint8Array>;
  /** undefined when the object does not exist. */
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Every object under a prefix, following continuation tokens. */
  list(bucket: string, prefix: string): AsyncIterable<ObjectInfo>;
  copy(fromBucket: string, fromKey: string, toBucket: string, toKey: string): Promise<void>;
  /** Deletes objects; missing ones are not an error. */
  delete(bucket: string, keys: readonly string[]): Promise<void>;
  close(): void;
}

/** A 4xx from the store, naming what was asked for. Not retried. */
export class ObjectStoreError extends Error {
  override name = 'ObjectStoreError';
  constructor(
    message: string,
    readonly bucket: string,
    readonly key: string | undefined,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ObjectNotFoundError extends ObjectStoreError {
  override name = 'ObjectNotFoundError';
}

/**
 * The store did not answer (refused or dropped connections, timeouts, 5xx) even after the client's
 * retries: it is down for now, and the same call may succeed later.
 */
export class ObjectStoreUnavailableError extends Error {
  override name = 'ObjectStoreUnavailableError';
}
