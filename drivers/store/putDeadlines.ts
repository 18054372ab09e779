/**
 * Deadlines of puts on an S3 client (ObjectStore.put): once a put's deadline passed, a middleware
 * inside the SDK's retry loop refuses every request of that put (retries and lib-storage's own
 * part and completion requests included; only AbortMultipartUpload goes through), and the put's
 * AbortController aborts its PutObject or upload then. With every request destroyed after
 * MAX_REQUEST_MS, no write of a put lands later than MAX_REQUEST_MS after its deadline.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3Client } from '@aws-sdk/client-s3';

/** Gives up an unfinished multipart upload: it can make nothing visible, so it may run after a deadline. */
const ABORT_UPLOAD_COMMAND = 'AbortMultipartUploadCommand';

/** The deadline of the put whose requests run in this async context (lib-storage's included). */
const currentDeadline = new AsyncLocalStorage<number>();

/** A request of a put refused because the put's deadline passed; the SDK does not retry it. */
class PutDeadlineError extends Error {
  override name = 'PutDeadlineError';
}

/** Makes `client` refuse the requests of a put whose deadline passed (see withPutDeadline). */
export function enforcePutDeadlines(client: S3Client): void {
  // In the deserialize step, inside the retry loop: every attempt of every request is checked.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const deadline = currentDeadline.getStore();
      if (deadline !== undefined && Date.now() >= deadline && context.commandName !== ABORT_UPLOAD_COMMAND) {
        throw new PutDeadlineError(`${context.commandName ?? 'request'} not sent: the put's deadline passed`);
      }
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'putDeadline' },
  );
}

/** Runs one put under `deadline` (epoch ms): `stop` aborts at it, and its requests are refused after it. */
export async function withPutDeadline<T>(deadline: number, put: (stop: AbortController) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), Math.max(0, deadline - Date.now()));
  try {
    return await currentDeadline.run(deadline, () => put(stop));
  } finally {
    clearTimeout(timer);
  }
}
