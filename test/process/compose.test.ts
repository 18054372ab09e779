import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../runtime/config.js';
import { parseRoles, ROLES } from '../../actors/node/roles.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Service {
  command?: string[];
  environment?: Record<string, string>;
}

test('compose.yaml runs every role once, each service with a configuration the binary accepts', (t) => {
  // `docker compose config` is not installed on these machines; YAML merge keys are resolved here.
  const compose = parse(readFileSync(`${ROOT}compose.yaml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  t.deepEqual(Object.keys(compose.services).sort(), ['dispatcher', 'migrate', 'minio', 'postgres', 'query', 'worker']);
  const trace = Object.values(compose.services).filter((s) => s.command?.[0] === 'up' || s.command?.[0] === 'migrate');
  const roles = trace.filter((s) => s.command![0] === 'up').flatMap((s) => parseRoles(s.command![s.command!.indexOf('--roles') + 1]!));
  t.deepEqual(roles.sort(), [...ROLES].sort());
  for (const service of trace) {
    const config = loadConfig(service.environment ?? {});
    t.is(config.s3Endpoint, 'http://minio:9000');
    t.regex(config.databaseUrl ?? '', /@postgres:5432\//);
  }
});
