/** How the harness maps compose.yaml onto processes, and every disagreement it refuses rather than skips. */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ComposeMappingError } from '../../cli/compose/composeFile.js';
import { LocalCompose, REPOSITORY_COMPOSE_FILE } from '../../cli/compose/localCompose.js';
import { serviceEnvironment } from '../../cli/compose/serviceEnvironment.js';
import { planServices, type TracePlan } from '../../cli/compose/servicePlan.js';

const ROOT = path.dirname(REPOSITORY_COMPOSE_FILE);
const SUBSTITUTES = { databaseUrl: 'postgres://postgres@127.0.0.1:5432/trace_compose_x', s3Endpoint: 'http://127.0.0.1:45555' };

test("the repository's compose.yaml: PostgreSQL and MinIO substituted, the rest this build's CLI with compose's arguments", (t) => {
  const plans = planServices(REPOSITORY_COMPOSE_FILE);
  t.deepEqual(
    plans.map((p) => [p.service.name, p.kind, p.kind === 'trace' ? p.args.join(' ') : '']),
    [
      ['postgres', 'postgres', ''],
      ['minio', 's3', ''],
      ['migrate', 'trace', 'migrate'],
      ['dispatcher', 'trace', 'up --roles dispatcher,publisher,janitor'],
      ['worker', 'trace', 'up --roles worker,heartbeat,sink'],
      ['query', 'trace', 'up --roles query,gateway'],
    ],
  );
  const trace = (name: string) => plans.find((p): p is TracePlan => p.kind === 'trace' && p.service.name === name)!;
  const worker = serviceEnvironment(trace('worker'), plans, SUBSTITUTES, { TRACE_RPC_POOL_DEMO_URL: 'http://127.0.0.1:8545' });
  t.like(worker, {
    DATABASE_URL: SUBSTITUTES.databaseUrl,
    S3_ENDPOINT: SUBSTITUTES.s3Endpoint,
    S3_ACCESS_KEY_ID: 'trace-lite',
    S3_FORCE_PATH_STYLE: 'true',
    TRACE_LOG_LEVEL: 'info',
    TRACE_RPC_POOL_DEMO_URL: 'http://127.0.0.1:8545',
  });
  t.false('TRACE_HTTP_PORT' in worker, 'a service that publishes no port keeps its environment');
  const query = serviceEnvironment(trace('query'), plans, SUBSTITUTES, {});
  t.like(query, { TRACE_HTTP_HOST: '127.0.0.1', TRACE_HTTP_PORT: '0' }, 'the wildcard listen address and the published port, on loopback');
  t.deepEqual(trace('worker').service.dependsOn, [
    { service: 'migrate', condition: 'service_completed_successfully' },
    { service: 'minio', condition: 'service_healthy' },
  ]);
});

const BASE = `
x-trace: &trace
  build: ${ROOT}
  environment: &env
    DATABASE_URL: postgres://trace:trace@postgres:5432/trace
    S3_ENDPOINT: http://minio:9000
services:
  postgres: {image: postgres:15}
  minio: {image: minio/minio:latest, environment: {MINIO_ROOT_USER: trace-lite, MINIO_ROOT_PASSWORD: trace-lite-secret}}
  worker:
    <<: *trace
    command: [up, --roles, worker]
`;

const refusals: [string, string, RegExp][] = [
  ['an unknown image', `${BASE}  cache: {image: redis:7}\n`, /service cache \(image redis:7\) is neither PostgreSQL, MinIO nor built from this repository/],
  ['a top-level key', `${BASE}networks: {back: {}}\n`, /networks: a top-level key the harness cannot honour/],
  ['a service key', `${BASE}  query: {<<: *trace, cap_add: [NET_ADMIN]}\n`, /services\.query: Unrecognized key: "cap_add"/],
  ['a health check on a Trace service', `${BASE}  query: {<<: *trace, healthcheck: {test: [CMD, "true"]}}\n`, /service query: a container health check cannot run outside Docker/],
  ['a command it cannot gate', `${BASE}  query: {<<: *trace, command: [status]}\n`, /service query: command \["status"\] is not one the harness can gate/],
  ['a dependency compose lacks', `${BASE}  query: {<<: *trace, depends_on: {nope: {condition: service_started}}}\n`, /service query depends on nope, which compose does not define/],
  ['waiting for a long-running service to complete', `${BASE}  query: {<<: *trace, depends_on: {worker: {condition: service_completed_successfully}}}\n`, /waits for worker to complete, but worker runs until stopped/],
  ['an address of a Trace service', `${BASE}  query: {<<: *trace, environment: {<<: *env, UPSTREAM: "http://worker:8787"}}\n`, /service query: UPSTREAM points at service worker, whose address the harness cannot map/],
  ['a published port nothing listens on', `${BASE}  query: {<<: *trace, ports: ["9999:9999"]}\n`, /service query publishes port 9999, but its HTTP API listens on 8787/],
  ['a variable from the host', `${BASE}  query: {<<: *trace, environment: {<<: *env, TRACE_LOG_LEVEL: null}}\n`, /TRACE_LOG_LEVEL takes its value from the host's environment/],
  ['a configuration the binary refuses', `${BASE}  query: {<<: *trace, environment: {<<: *env, TRACE_LEASE_TTL_SECONDS: soon}}\n`, /service query: .*leaseTtlSeconds/],
];

for (const [what, yaml, message] of refusals) {
  test(`compose and harness disagree: ${what} fails the harness before anything starts`, (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trace-compose-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(file, yaml);
    const error = t.throws(() => new LocalCompose({ composeFile: file, runDir: dir, additions: {}, log: () => undefined }), { instanceOf: ComposeMappingError });
    t.regex(error?.message ?? '', message);
  });
}
