/** Socket errors of a connection to a server that went away or is not back yet. */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Whether an error is a socket's to a server that is (for now) gone: weather, not a bug. */
export function isTransientSocketError(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code);
}
