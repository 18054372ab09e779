import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../runtime/config.js';
import { parseRunSpec, RunSpecError } from '../../actors/state/tasks/runSpec.js';

test('defaults: 30 s lease, heartbeat a third of it, shutdown grace half of it', (t) => {
  const config = loadConfig({});
  t.is(config.leaseTtlSeconds, 30);
  t.is(config.heartbeatSeconds, 10);
  t.is(config.shutdownGraceSeconds, 15);
  t.is(config.databaseUrl, undefined);
  t.is(config.schemaPrefix, '');
});

test('gateway and query admission: loopback:8787, port 0 for any free port, two queries at once', (t) => {
  const config = loadConfig({});
  t.is(config.httpHost, '127.0.0.1');
  t.is(config.httpPort, 8787);
  t.is(config.reportDir, 'trace-lite-report');
  t.is(config.queryConcurrency, 2);
  t.is(loadConfig({ TRACE_HTTP_PORT: '0' }).httpPort, 0);
  t.throws(() => loadConfig({ TRACE_HTTP_PORT: '70000', TRACE_QUERY_CONCURRENCY: '0' }), { message: /httpPort.*queryConcurrency/ });
});

test('queue driver: pgqueue unless TRACE_QUEUE_DRIVER says nats, at TRACE_NATS_URL; bad values are refused naming the field', (t) => {
  const defaults = loadConfig({});
  t.is(defaults.queueDriver, 'pgqueue');
  t.is(defaults.natsUrl, 'nats://127.0.0.1:4222');
  const nats = loadConfig({ TRACE_QUEUE_DRIVER: 'nats', TRACE_NATS_URL: 'nats://10.0.0.7:4222' });
  t.is(nats.queueDriver, 'nats');
  t.is(nats.natsUrl, 'nats://10.0.0.7:4222');
  const error = t.throws(() => loadConfig({ TRACE_QUEUE_DRIVER: 'kafka', TRACE_NATS_URL: 'http://127.0.0.1:4222' }), { instanceOf: ConfigError });
  t.regex(error!.message, /queueDriver: /);
  t.regex(error!.message, /natsUrl: must be a nats:\/\/ or tls:\/\/ URL/);
});

test('environment wins over the config file, which wins over defaults', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trace-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'trace.yaml');
  writeFileSync(file, 'leaseTtlSeconds: 60\nworkerConcurrency: 2\n');
  const config = loadConfig({ TRACE_CONFIG_FILE: file, TRACE_WORKER_CONCURRENCY: '7', TRACE_LOG_LEVEL: 'debug' });
  t.is(config.leaseTtlSeconds, 60);
  t.is(config.heartbeatSeconds, 20);
  t.is(config.workerConcurrency, 7);
  t.is(config.logLevel, 'debug');
});

test('bad configuration is refused at startup, naming every bad field', (t) => {
  const error = t.throws(
    () => loadConfig({ TRACE_LEASE_TTL_SECONDS: '-5', DATABASE_URL: 'mysql://x', TRACE_SCHEMA_PREFIX: 'Bad-Prefix' }),
    { instanceOf: ConfigError },
  );
  t.regex(error!.message, /leaseTtlSeconds/);
  t.regex(error!.message, /databaseUrl: must be a postgres:\/\/ URL/);
  t.regex(error!.message, /schemaPrefix/);
  t.throws(() => loadConfig({ TRACE_LEASE_TTL_SECONDS: '3', TRACE_HEARTBEAT_SECONDS: '3' }), { message: /heartbeatSeconds must be shorter/ });
  t.throws(() => loadConfig({ TRACE_CONFIG_FILE: '/nonexistent/trace.yaml' }), { message: /cannot read config file/ });
});

test('run specs: unknown dependencies, duplicates and cycles are refused with the field named', (t) => {
  const task = (name: string, depends_on: string[] = []) => ({ name, operator: 'noop', depends_on });
  t.throws(() => parseRunSpec({ name: 'r', tasks: [task('a', ['zz'])] }), { instanceOf: RunSpecError, message: /tasks\.0\.depends_on\.0: unknown task zz/ });
  t.throws(() => parseRunSpec({ name: 'r', tasks: [task('a'), task('a')] }), { message: /duplicate task name a/ });
  t.throws(() => parseRunSpec({ name: 'r', tasks: [task('a', ['c']), task('b', ['a']), task('c', ['b'])] }), {
    message: /dependency cycle: a → c → b → a/,
  });
  t.throws(() => parseRunSpec({ name: 'r', tasks: [] }), { message: /tasks/ });
  t.is(parseRunSpec({ name: 'r', tasks: [task('a'), task('b', ['a'])] }).tasks[1]!.depends_on[0], 'a');
});
