/**
 * Child-process entry of the embedded S3 server (see embeddedS3.ts, which forks it with
 * --openssl-legacy-provider: s3rver 3.7 encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 only offers through its legacy provider, and answers every page after the first with a
 * 500 without it).
 *
 * Protocol over the IPC channel: the child says 'waiting' once it listens for messages (one sent
 * before that would be lost while the ESM loader yields), the parent sends one StartMessage, the
 * child answers 'ready' once the server listens, or 'failed' and exits 1. SIGTERM, or the parent
 * going away (disconnect), stops the server: requests in flight finish, then the process exits.
 *
 * Credentials: s3rver checks the access key id but verifies only Signature Version 2, accepting any
 * V4 signature and any unsigned request. Each request is therefore checked here before s3rver sees
 * it: only V4-signed header requests whose signature matches the configured secret get through.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

export interface StartMessage {
  type: 'start';
  /** Where s3rver keeps buckets and objects. */
  directory: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** 0: any free port. */
  port: number;
}
export type ChildMessage = { type: 'waiting' } | { type: 'ready'; port: number } | { type: 'failed'; message: string };

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Why a request is refused, as an S3 error. */
interface Refusal {
  status: number;
  code: string;
  message: string;
}

// ---- the parts of s3rver used here (it ships no type declarations) ----

interface S3rverOptions {
  directory: string;
  silent: boolean;
  vhostBuckets: boolean;
  allowMismatchedSignatures: boolean;
  resetOnClose: boolean;
}
interface S3rverApp {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: 'error', listener: (err: Error & { status?: number }, ctx?: { method: string; url: string }) => void): void;
}
interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: S3rverOptions) => S3rverApp;
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: S3rverAccount };

// ---- Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) ----

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** undefined when the request is signed with the configured credentials. */
function verifySignature(req: IncomingMessage, credentials: Credentials): Refusal | undefined {
  const authorization = req.headers.authorization;
  const denied = (message: string): Refusal => ({ status: 403, code: 'AccessDenied', message });
  if (authorization === undefined) {
    return /[?&](X-Amz-Signature|Signature)=/.test(req.url ?? '')
      ? denied('presigned URLs are not accepted by the embedded S3 server')
      : denied('anonymous requests are not accepted: sign requests with the configured access key');
  }
  const space = authorization.indexOf(' ');
  if (space < 0 || authorization.slice(0, space) !== ALGORITHM) return denied(`only ${ALGORITHM} (Signature Version 4) is accepted`);
  const fields = new Map(
    authorization
      .slice(space + 1)
      .split(',')
      .map((part) => {
        const [name = '', ...value] = part.trim().split('=');
        return [name, value.join('=')] as const;
      }),
  );
  const [accessKeyId, date, region, service, terminator] = (fields.get('Credential') ?? '').split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const amzDate = req.headers['x-amz-date'];
  if (
    date === undefined ||
    region === undefined ||
    service === undefined ||
    terminator !== 'aws4_request' ||
    signedHeaders === undefined ||
    signature === undefined ||
    typeof amzDate !== 'string' ||
    !amzDate.startsWith(date)
  ) {
    return { status: 400, code: 'AuthorizationHeaderMalformed', message: `malformed ${ALGORITHM} authorization header` };
  }
  if (accessKeyId !== credentials.accessKeyId) {
    return { status: 403, code: 'InvalidAccessKeyId', message: `the access key id ${accessKeyId} is not the configured one` };
  }
  let canonical: string;
  try {
    canonical = canonicalRequest(req, signedHeaders);
  } catch {
    return { status: 400, code: 'InvalidURI', message: 'could not parse the request URI' };
  }
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const provided = Buffer.from(signature);
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided)) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'the request signature does not match: check the secret access key',
    };
  }
  return undefined;
}

function canonicalRequest(req: IncomingMessage, signedHeaders: string): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // S3 signs the path encoded once; decoding and re-encoding accepts any valid encoding of it.
  const canonicalPath = path.split('/').map((segment) => encode(decode(segment))).join('/');
  const query = (q < 0 ? '' : url.slice(q + 1))
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const [name, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
      return `${encode(decode(name))}=${encode(decode(value))}`;
    })
    .sort()
    .join('&');
  const headers = signedHeaders
    .split(';')
    .map((name) => {
      const value = req.headers[name];
      const text = Array.isArray(value) ? value.join(',') : (value ?? '');
      return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = req.headers['x-amz-content-sha256'] ?? '';
  return [req.method ?? 'GET', canonicalPath || '/', query, headers, signedHeaders, payloadHash].join('\n');
}

/** URL-decodes a path segment or query component; '+' is a space, as s3rver's query parser reads it. */
function decode(component: string): string {
  return decodeURIComponent(component.replace(/\+/g, '%20'));
}

/** RFC 3986 encoding, as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

// ---- the server ----

function refusalXml(refusal: Refusal): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${escape(refusal.message)}</Message></Error>`;
}

async function serve(start: StartMessage): Promise<http.Server> {
  await fs.mkdir(start.directory, { recursive: true });
  // s3rver looks access key ids up in this registry (and uses the dummy account's key S3RVER by
  // default): only the configured key may be known to it.
  DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  DUMMY_ACCOUNT.createKeyPair(start.accessKeyId, start.secretAccessKey);
  const app = new S3rver({
    directory: start.directory,
    silent: true,
    vhostBuckets: false, // path-style only: the server is reached as 127.0.0.1
    allowMismatchedSignatures: false,
    resetOnClose: false,
  });
  app.on('error', (err, ctx) => {
    // 4xx are the client's business; server faults go to the log file (our stderr).
    if ((err.status ?? 500) >= 500) console.error(`${new Date().toISOString()} ${ctx?.method ?? ''} ${ctx?.url ?? ''}: ${err.stack ?? err.message}`);
  });
  const handle = app.callback();
  const credentials = { accessKeyId: start.accessKeyId, secretAccessKey: start.secretAccessKey };
  const server = http.createServer((req, res) => {
    const refusal = verifySignature(req, credentials);
    if (refusal !== undefined) {
      const body = refusalXml(refusal);
      res.writeHead(refusal.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    // s3rver reads x-amz-copy-source with decodeURI, which leaves %2F, %3D, %2B... encoded; hand it
    // a form that decodeURI turns back into the key the client meant.
    const source = req.headers['x-amz-copy-source'];
    if (typeof source === 'string') {
      try {
        req.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(source));
      } catch {
        // left as sent: s3rver answers that the source does not exist
      }
    }
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(start.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function send(message: ChildMessage, then: () => void = () => undefined): void {
  if (process.send) process.send(message, undefined, undefined, () => then());
  else then();
}

function fail(message: string): void {
  send({ type: 'failed', message }, () => process.exit(1));
}

function isStartMessage(value: unknown): value is StartMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'start';
}

process.once('message', (message: unknown) => {
  if (!isStartMessage(message)) return fail('expected a start message');
  serve(message).then(
    (server) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        server.close(() => process.exit(0)); // after the requests in flight
        server.closeIdleConnections();
      };
      process.once('SIGTERM', stop);
      process.once('disconnect', stop);
      const address = server.address();
      if (typeof address === 'object' && address !== null) send({ type: 'ready', port: address.port });
      else fail(`unexpected server address ${String(address)}`);
    },
    (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
  );
});
send({ type: 'waiting' });
