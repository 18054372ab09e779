import { classifyQueryFailure } from '../query/queryFailures.js';
import { SyncJobSpecError } from '../state/syncJobSpec.js';
import { UnknownJobError } from '../state/syncJobs.js';
import { RunSpecError } from '../state/tasks/runSpec.js';

/** A failure the gateway itself decided (bad request shape, nothing here), with its status. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpFailure {
  status: number;
  reason: string;
  message: string;
}

/** The body of every error answer: `{error: {reason, message}}`. */
export function errorBody({ reason, message }: Pick<HttpFailure, 'reason' | 'message'>): { error: { reason: string; message: string } } {
  return { error: { reason, message } };
}

/** Fastify's own request errors (body parsing, size), by code. Their messages never quote the body. */
const FRAMEWORK_REASONS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

function frameworkFailure(err: unknown): HttpFailure | undefined {
  if (!(err instanceof Error) || !('code' in err) || typeof err.code !== 'string') return undefined;
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  return { status, reason: FRAMEWORK_REASONS[err.code] ?? 'bad_request', message: err.message };
}

/** Maps any error a route threw to its HTTP answer; everything unknown is a 500 `internal`. */
export function describeHttpFailure(err: unknown): HttpFailure {
  if (err instanceof HttpError) return { status: err.status, reason: err.reason, message: err.message };
  if (err instanceof SyncJobSpecError) return { status: 400, reason: 'invalid_job', message: err.message };
  if (err instanceof UnknownJobError) return { status: 404, reason: 'unknown_job', message: err.message };
  if (err instanceof RunSpecError) return { status: 400, reason: 'invalid_run', message: err.message };
  return frameworkFailure(err) ?? classifyQueryFailure(err);
}

/**
 * An unknown error as it may be logged: name, first message line and stack frames. DuckDB messages
 * quote the statement on later lines (`LINE 1: SELECT …`), and the log must never hold user SQL.
 */
export function loggableError(err: unknown): { type: string; message: string; stack: string[] } {
  const error = err instanceof Error ? err : new Error(String(err));
  const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  return { type: error.name, message: error.message.split('\n')[0] ?? '', stack: frames.map((f) => f.trim()) };
}
