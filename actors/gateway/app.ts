import { createReadStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { LogController, type FastifyReply } from 'fastify';
import { z } from 'zod';
import type { QueryActor } from '../query/queryActor.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { QUERY_FORMATS } from '../query/queryTypes.js';
import type { Runtime } from '../node/context.js';
import type { Logger } from '../../runtime/logger.js';
import { parseSyncJobSpec } from '../state/syncJobSpec.js';
import { parseRunSpec, parseRunSpecText } from '../state/tasks/runSpec.js';
import { describeHttpFailure, errorBody, HttpError, loggableError, type HttpFailure } from './httpFailures.js';
import { ReportFiles } from './reportFiles.js';
import { failpoint } from '../../runtime/failpoints.js';

const SQL = loadStatements('state/health.sql', ['ping'] as const);

/** Request bodies above this are refused with 413 (a query is at most 100 kB of SQL). */
const BODY_LIMIT_BYTES = 1024 * 1024;
/** /readyz reports the database unreachable when `SELECT 1` takes longer than this. */
const READY_TIMEOUT_MS = 2000;

// The shape only; the Query Service decides what a request means (one of sql and template, params).
const QueryBodySchema = z
  .object({
    sql: z.string().optional(),
    template: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    format: z.enum(QUERY_FORMATS).default('json'),
  })
  .strict();

const JobJsonBodySchema = z.object({ yaml: z.string() }).strict();
/** Run ids are bigint identities; anything else names no run (and must not reach the bigint cast). */
const RUN_ID = /^\d{1,18}$/;

export interface GatewayDeps {
  rt: Runtime;
  log: Logger;
  /** The query actor of this process; undefined while it restarts. */
  queryActor: () => QueryActor | undefined;
}

/** The gateway's HTTP API (routes in the README's "HTTP API" section), not yet listening. */
export function buildGatewayApp({ rt, log, queryActor }: GatewayDeps) {
  // Fastify's own lines from warn up (the actor logs the bound address with its fields); no request
  // lines: a 500 is logged by the error handler, without the body.
  const app = Fastify({
    loggerInstance: log.child({}, { level: log.isLevelEnabled('warn') ? 'warn' : log.level }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
  });
  const report = new ReportFiles(rt.config.reportDir);
  const metrics = rt.metrics();

  app.addContentTypeParser(['text/yaml', 'application/yaml', 'application/x-yaml'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((err, request, reply) => {
    const failure = describeHttpFailure(err);
    if (failure.status === 500) log.error({ error: loggableError(err), method: request.method, route: request.routeOptions.url }, 'request failed');
    return reply.code(failure.status).send(errorBody(failure));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody({ reason: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` })),
  );

  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const problem = await readinessProblem(rt, queryActor);
    if (problem === undefined) return { ok: true };
    return reply.code(503).send({ ok: false, ...errorBody(problem) });
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));

  app.post('/v1/query', async (request, reply) => {
    const parsed = QueryBodySchema.safeParse(request.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      throw new HttpError(400, 'invalid_request', `invalid query request: ${issues.join('; ')}`);
    }
    const { format, ...query } = parsed.data;
    const actor = queryActor();
    if (actor === undefined) throw new HttpError(503, 'unavailable', 'the query actor is restarting; retry later');
    await failpoint('gateway.beforeQuery', { response: reply.raw, sql: query.sql });
    const signal = abortedOnDisconnect(reply);
    const answer = await actor.ask(query, { format, signal }).catch((err: unknown) => {
      // Nobody is left to answer, and a query its client abandoned is no server error to log.
      throw signal.aborted ? new HttpError(499, 'client_closed', 'the client went away') : err;
    });
    if (answer.format === 'json') return answer.result;
    const { contentType, extension, body } = answer.download;
    return reply
      .type(contentType)
      .header('content-disposition', `attachment; filename=result.${extension}`)
      .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });

  app.get('/v1/templates', async () => ({ templates: (await rt.query()).templates() }));

  app.post('/v1/jobs', async (request, reply) => {
    const spec = parseSyncJobSpec(jobText(request.body), 'request body');
    const { jobId, created } = await rt.syncJobs.apply(spec);
    // Applying is idempotent by name: 201 for a new job, 200 for an update of an existing one.
    return reply.code(created ? 201 : 200).send({ job_id: jobId, name: spec.name, created });
  });

  // Same JSON as `trace-lite status --job ID --json`.
  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (request) => rt.syncJobs.status(request.params.id));

  // Same as `trace-lite retry --job ID`: the job's failed ranges, planned again.
  app.post<{ Params: { id: string } }>('/v1/jobs/:id/retry', async (request) => ({ retried: await rt.syncJobs.retryFailed(request.params.id) }));

  // Same as `trace-lite run submit`: a DAG run as YAML (text/yaml, text/plain) or as a JSON object.
  app.post('/v1/runs', async (request, reply) => {
    const spec = typeof request.body === 'string' ? parseRunSpecText(request.body) : parseRunSpec(request.body);
    rt.operators.checkRun(spec);
    const { runId, tasks } = await rt.tasks.runs.submitRun(spec);
    return reply.code(201).send({ run_id: runId, tasks });
  });

  // Same JSON as `trace-lite run status ID --json`.
  app.get<{ Params: { id: string } }>('/v1/runs/:id', async (request) => {
    const { id } = request.params;
    const found = RUN_ID.test(id) ? await rt.tasks.reads.getRun(id) : undefined;
    if (found === undefined) throw new HttpError(404, 'unknown_run', `no run ${id}`);
    return found;
  });

  app.get<{ Params: { '*': string } }>('/*', async (request, reply) => {
    const path = request.params['*'];
    const file = await report.find(path);
    if (file === undefined) {
      const hint = (await report.exists()) ? '' : ` (no report in ${rt.config.reportDir}: run \`trace-lite demo\` to write the report)`;
      throw new HttpError(404, 'not_found', `not found: /${path}${hint}`);
    }
    return reply
      .type(file.contentType)
      .header('content-length', file.size)
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(file.path));
  });

  return app;
}

export type GatewayApp = ReturnType<typeof buildGatewayApp>;

/** A chain_sync job sent as YAML text (text/yaml, text/plain) or as JSON `{yaml}`. */
function jobText(body: unknown): string {
  if (typeof body === 'string') return body;
  const parsed = JobJsonBodySchema.safeParse(body);
  if (parsed.success) return parsed.data.yaml;
  throw new HttpError(400, 'invalid_request', 'send the chain_sync job as YAML (content-type text/yaml) or as JSON {"yaml": "..."}');
}

/**
 * Aborted when the client goes away before its answer was sent, so its query stops; at once when
 * it went away already (its 'close' came before this listener: seen under load, where the query
 * then ran to its timeout holding the slot).
 */
function abortedOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const gone = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  };
  if (reply.raw.closed) gone();
  else reply.raw.once('close', gone);
  return controller.signal;
}

/** Why this process should not get traffic now, or undefined when it is ready. */
async function readinessProblem(rt: Runtime, queryActor: () => QueryActor | undefined): Promise<HttpFailure | undefined> {
  if (!queryActor()?.running) return { status: 503, reason: 'query_unavailable', message: 'the query actor is not running' };
  const timeout = new AbortController();
  try {
    await Promise.race([
      rt.db.query(SQL.ping),
      delay(READY_TIMEOUT_MS, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`no answer within ${READY_TIMEOUT_MS} ms`);
      }),
    ]);
    return undefined;
  } catch (err) {
    return { status: 503, reason: 'database_unreachable', message: `postgres: ${(err as Error).message}` };
  } finally {
    timeout.abort();
  }
}
