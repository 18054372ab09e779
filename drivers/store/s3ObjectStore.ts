/**
 * ObjectStore on the S3 API (@aws-sdk/client-s3): the embedded s3rver, MinIO or AWS S3.
 *
 * Retries are the SDK's "standard" mode with MAX_ATTEMPTS attempts in all: exponential backoff
 * with full jitter, random(0, min(20 s, 50 ms × 2^n)) before retry n (1 s base instead of 50 ms for
 * throttling: 429, SlowDown), so four retries wait 0.75 s at most on a dead server. Retried: HTTP
 * 500/502/503/504, throttling, ECONNRESET/ECONNREFUSED/EPIPE/ETIMEDOUT and timeouts. A client-wide
 * budget (500 tokens, 14 per retry) stops retrying during a long outage and refills on success.
 * Other 4xx are not retried and become ObjectStoreError (ObjectNotFoundError for NoSuchKey); what
 * is left after the retries (5xx, network) is an ObjectStoreUnavailableError naming the object and
 * the endpoint.
 *
 * A put sends nothing after its deadline (putDeadlines.ts), and every request is destroyed after
 * MAX_REQUEST_MS, so no write of a put lands later than MAX_REQUEST_MS after its deadline.
 *
 * ETags are returned without their quotes.
 */
import { STATUS_CODES } from 'node:http';
import { Readable, Transform, pipeline } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type BucketLocationConstraint,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isTransientSocketError } from '../socketErrors.js';
import {
  MAX_REQUEST_MS,
  MAX_UPLOAD_MS,
  ObjectNotFoundError,
  ObjectStoreError,
  ObjectStoreUnavailableError,
  type ObjectInfo,
  type ObjectStore,
  type PutResult,
} from './objectStore.js';
import { enforcePutDeadlines, withPutDeadline } from './putDeadlines.js';

// The pinned SDK (3.1175) runs on Node 20 but warns, once per process and thread, that releases
// after January 2027 need Node 22 (see the README's dependency notes); the notice is not about this
// program's behaviour, so it stays quiet unless the user asks for it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3ObjectStoreOptions {
  /** Undefined: AWS S3 in `region`. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key` (s3rver, MinIO). */
  forcePathStyle: boolean;
}

const MAX_ATTEMPTS = 5;
// A refused or unreachable endpoint should fail in seconds, not hang: 3 s to connect (loopback and
// LAN connect in < 10 ms, AWS in < 200 ms), and 30 s without a byte either way on an open socket.
// That idle limit also covers reading a get() stream: a consumer that stops reading for 30 s loses it.
const CONNECT_TIMEOUT_MS = 3_000;
const SOCKET_TIMEOUT_MS = 30_000;
// Single PutObject below 8 MiB; above, 8 MiB parts (S3's minimum is 5 MiB), 4 in flight: 32 MiB of
// buffers per upload, and streams up to 10,000 parts = 78 GiB.
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;
const PART_SIZE = MULTIPART_THRESHOLD;
const PART_CONCURRENCY = 4;
const DELETE_BATCH = 1_000; // DeleteObjects' limit
const ACCESS_CODES = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']);

/** What a call was about, for error messages. */
interface Target {
  action: string;
  bucket: string;
  key?: string | undefined;
  /** A second object (copy's destination), named in messages only. */
  to?: string;
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly endpoint: string;
  private readonly region: string;

  constructor(opts: S3ObjectStoreOptions) {
    this.region = opts.region;
    this.endpoint = opts.endpoint ?? `AWS S3 (${opts.region})`;
    this.client = new S3Client({
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
      region: opts.region,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      forcePathStyle: opts.forcePathStyle,
      maxAttempts: MAX_ATTEMPTS,
      retryMode: 'standard',
      requestHandler: {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        socketTimeout: SOCKET_TIMEOUT_MS,
        // Until the answer's headers: a get() stream may run on.
        requestTimeout: MAX_REQUEST_MS,
        throwOnRequestTimeout: true,
      },
      // Since 3.729 the SDK adds CRC32 checksums by default, sending streams aws-chunked with a
      // trailer; s3rver (and older MinIO) would store the framing. Only where the API requires one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    enforcePutDeadlines(this.client);
  }

  async ensureBuckets(buckets: readonly string[]): Promise<void> {
    for (const bucket of new Set(buckets)) {
      const target = { action: 'create bucket', bucket };
      try {
        // AWS wants the region named everywhere but in us-east-1; s3rver ignores it.
        const location = this.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } };
        await this.client.send(new CreateBucketCommand({ Bucket: bucket, ...location }));
      } catch (err) {
        const code = isServiceError(err) ? err.name : undefined;
        if (code === 'BucketAlreadyOwnedByYou') continue;
        // s3rver says AlreadyExists for its own buckets; on AWS it means another account's, which
        // the HeadBucket tells apart (403).
        if (code !== 'BucketAlreadyExists') throw this.storeError(err, target);
        await this.call({ action: 'use bucket', bucket }, () => this.client.send(new HeadBucketCommand({ Bucket: bucket })));
      }
    }
  }

  async put(bucket: string, key: string, body: Uint8Array | Readable, options: { contentType?: string; deadline?: number } = {}): Promise<PutResult> {
    const target = { action: 'put', bucket, key };
    const deadline = options.deadline ?? Date.now() + MAX_UPLOAD_MS;
    try {
      return await withPutDeadline(deadline, (stop) => this.upload(target, body, options.contentType, stop));
    } catch (err) {
      if (Date.now() < deadline) throw err;
      throw new Error(`put s3://${bucket}/${key}: not done by its deadline ${new Date(deadline).toISOString()}; nothing more of it is sent`, { cause: err });
    }
  }

  /** One put: a PutObject below the multipart threshold, else lib-storage's (multipart) upload; `stop` aborts either. */
  private async upload(target: Target & { key: string }, body: Uint8Array | Readable, contentType: string | undefined, stop: AbortController): Promise<PutResult> {
    const params = { Bucket: target.bucket, Key: target.key, ...(contentType !== undefined ? { ContentType: contentType } : {}) };
    if (body instanceof Uint8Array && body.byteLength < MULTIPART_THRESHOLD) {
      const command = new PutObjectCommand({ ...params, Body: body, ContentLength: body.byteLength });
      const out = await this.call(target, () => this.client.send(command, { abortSignal: stop.signal }));
      return { etag: unquote(out.ETag), bytes: body.byteLength };
    }
    const counted = body instanceof Uint8Array ? { body, bytes: () => body.byteLength } : countBytes(body);
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: counted.body },
      partSize: PART_SIZE,
      queueSize: PART_CONCURRENCY,
      abortController: stop,
    });
    try {
      const out = await this.call(target, () => upload.done());
      return { etag: unquote(out.ETag), bytes: counted.bytes() };
    } finally {
      if (counted.body instanceof Readable) counted.body.destroy(); // after a failure, stops reading the caller's stream too
    }
  }

  /** The stream fails if its reader pauses for SOCKET_TIMEOUT_MS (30 s): slow consumers buffer first. */
  async get(bucket: string, key: string): Promise<Readable> {
    const out = await this.call({ action: 'get', bucket, key }, () => this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    if (!(out.Body instanceof Readable)) throw new Error(`get s3://${bucket}/${key}: the response body is not a Node stream`);
    return out.Body;
  }

  async getBytes(bucket: string, key: string): Promise<Uint8Array> {
    const target = { action: 'get', bucket, key };
    return this.call(target, async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (out.Body === undefined) throw new Error('the response has no body');
      return out.Body.transformToByteArray();
    });
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { key, etag: unquote(out.ETag), bytes: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    } catch (err) {
      // HEAD responses have no body: a missing bucket is a 404 NotFound too.
      if (isServiceError(err) && err.$metadata.httpStatusCode === 404) return undefined;
      throw this.storeError(err, { action: 'head', bucket, key });
    }
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.call({ action: 'list', bucket, key: prefix }, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { key: item.Key, etag: unquote(item.ETag), bytes: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async copy(fromBucket: string, fromKey: string, toBucket: string, toKey: string): Promise<void> {
    // The copy source is URL-encoded per path segment (S3 decodes it; '/' stays a separator).
    const source = `${fromBucket}/${fromKey.split('/').map(encodeRfc3986).join('/')}`;
    await this.call({ action: 'copy', bucket: fromBucket, key: fromKey, to: `s3://${toBucket}/${toKey}` }, () =>
      this.client.send(new CopyObjectCommand({ Bucket: toBucket, Key: toKey, CopySource: source })),
    );
  }

  async delete(bucket: string, keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const target = batch.length === 1 ? { action: 'delete', bucket, key: batch[0] } : { action: `delete ${batch.length} objects from`, bucket };
      const out = await this.call(target, () =>
        this.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
      );
      // Missing keys are not errors in S3; what is reported here is (e.g. AccessDenied on a key).
      const failed = out.Errors?.[0];
      if (failed !== undefined) {
        const code = failed.Code ?? 'Unknown';
        throw new ObjectStoreError(
          `delete s3://${bucket}/${failed.Key ?? '?'} failed: ${code}: ${failed.Message ?? ''} (${out.Errors?.length ?? 1} of ${batch.length} keys failed)`,
          bucket,
          failed.Key,
          code,
        );
      }
    }
  }

  close(): void {
    this.client.destroy();
  }

  /** Runs one SDK call, turning its failure into an error that names the object. */
  private async call<T>(target: Target, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.storeError(err, target);
    }
  }

  private storeError(err: unknown, target: Target): Error {
    const where = `s3://${target.bucket}${target.key !== undefined ? `/${target.key}` : ''}${target.to !== undefined ? ` to ${target.to}` : ''}`;
    const status = isServiceError(err) ? err.$metadata.httpStatusCode : undefined;
    if (isServiceError(err) && status !== undefined && status >= 400 && status < 500) {
      // HEAD answers have no body to name the error: the SDK says Unknown; the status says more.
      const code = err.name === 'Unknown' ? (STATUS_CODES[status] ?? `HTTP ${status}`).replace(/ /g, '') : err.name;
      const make = (message: string) => new ObjectStoreError(message, target.bucket, target.key, code, { cause: err });
      if (code === 'NoSuchKey' || (code === 'NotFound' && target.key !== undefined)) {
        return new ObjectNotFoundError(`${target.action} ${where}: no such object (${code})`, target.bucket, target.key, code, { cause: err });
      }
      if (code === 'NoSuchBucket') return make(`${target.action} ${where}: bucket ${target.bucket} does not exist (NoSuchBucket) at ${this.endpoint}`);
      if (ACCESS_CODES.has(code) || status === 403) {
        return make(`access denied to ${where} (${code}) at ${this.endpoint}: check S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY`);
      }
      return make(`${target.action} ${where} failed: ${code} (HTTP ${status}): ${err.message}`);
    }
    const attempts = hasMetadata(err) ? (err.$metadata.attempts ?? 1) : 1;
    const reason = err instanceof Error ? err.message || err.name : String(err);
    const message = `${target.action} ${where} failed after ${attempts} attempt(s) at ${this.endpoint}: ${reason}`;
    const unavailable = status !== undefined ? status >= 500 : isTransientSocketError(err) || (err instanceof Error && err.name === 'TimeoutError');
    return unavailable ? new ObjectStoreUnavailableError(message, { cause: err }) : new Error(message, { cause: err });
  }
}

function isServiceError(err: unknown): err is S3ServiceException {
  return err instanceof S3ServiceException;
}

/** The SDK's attempt count, on service and network errors alike. */
function hasMetadata(err: unknown): err is { $metadata: { attempts?: number } } {
  return typeof err === 'object' && err !== null && typeof (err as { $metadata?: unknown }).$metadata === 'object';
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** encodeURIComponent plus !'()*, as S3 expects in x-amz-copy-source. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The stream, passed through a counter of its bytes (the part uploader does not report them). */
function countBytes(source: Readable): { body: Transform; bytes(): number } {
  let bytes = 0;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.byteLength;
      done(null, chunk);
    },
  });
  // A source error destroys the counter with it, which fails the upload reading from it.
  pipeline(source, body, () => undefined);
  return { body, bytes: () => bytes };
}
