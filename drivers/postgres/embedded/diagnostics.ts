/**
 * How the embedded PostgreSQL lifecycle reports: the progress callback it is given, and the text
 * and code of the errors it meets (Node's system errors, AggregateError from a failed connect).
 */

/** A progress message with structured fields. */
export type Log = (msg: string, fields?: Record<string, unknown>) => void;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A system error's code, such as ENOENT. */
export function errorCode(err: unknown): string | undefined {
  return isRecord(err) && typeof err['code'] === 'string' ? err['code'] : undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(errorMessage).join('; ') || err.message;
  if (err instanceof Error) return err.message || errorCode(err) || err.name;
  return String(err);
}
