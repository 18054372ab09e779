/**
 * The environment a Trace service gets on this machine: exactly compose's, except that an address
 * of another service becomes where its substitute listens on loopback, a wildcard listen address
 * becomes loopback, and a published port becomes a free loopback port (the node logs which); plus
 * the variables a host process needs to run at all and what the caller adds for its run.
 */
import { ConfigError, loadConfig, type Config } from '../../runtime/config.js';
import { ComposeMappingError } from './composeFile.js';
import type { ServicePlan, TracePlan } from './servicePlan.js';

/** Where the substituted infrastructure listens. */
export interface Substitutes {
  /** The run's own database on the machine's (or the embedded) PostgreSQL. */
  databaseUrl: string;
  /** http://127.0.0.1:<port> of the embedded S3 server. */
  s3Endpoint: string;
}

/** "Every interface" inside a container's own network; on a shared machine, loopback. */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);
const LOOPBACK = '127.0.0.1';
/** What a container gets from its image and a host process from its parent; nothing else of ours leaks in. */
const HOST_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;
/** The port variable a published port maps to; 0 binds a free one. */
const HTTP_PORT_VARIABLE = 'TRACE_HTTP_PORT';

export function serviceEnvironment(
  plan: TracePlan,
  plans: readonly ServicePlan[],
  substitutes: Substitutes,
  additions: Record<string, string>,
): Record<string, string> {
  const { name, environment, publishedPorts } = plan.service;
  const byName = new Map(plans.map((p) => [p.service.name, p]));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) env[key] = mapValue(name, key, value, byName, substitutes);
  for (const port of publishedPorts) {
    const listens = configOf(name, env).httpPort;
    if (port !== listens) throw new ComposeMappingError(`service ${name} publishes port ${port}, but its HTTP API listens on ${listens}`);
    env[HTTP_PORT_VARIABLE] = '0';
  }
  const host = Object.fromEntries(HOST_VARIABLES.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]!]])));
  const full = { ...host, ...env, ...additions };
  configOf(name, full);
  return full;
}

function mapValue(service: string, key: string, value: string, byName: Map<string, ServicePlan>, substitutes: Substitutes): string {
  if (WILDCARD_ADDRESSES.has(value)) return LOOPBACK;
  const url = parseUrl(value);
  const host = url?.hostname ?? /^([\w.-]+)(:\d+)?$/.exec(value)?.[1];
  const target = host === undefined ? undefined : byName.get(host);
  if (target === undefined) return value;
  if (target.kind === 'postgres' && url !== undefined && /^postgres(ql)?:$/.test(url.protocol)) return substitutes.databaseUrl;
  if (target.kind === 's3' && url !== undefined && /^https?:$/.test(url.protocol)) return `${substitutes.s3Endpoint}${value.slice(url.origin.length)}`;
  throw new ComposeMappingError(`service ${service}: ${key} points at service ${target.service.name}, whose address the harness cannot map`);
}

function parseUrl(value: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function configOf(service: string, env: Record<string, string>): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ComposeMappingError(`service ${service}: ${err.message}`);
    throw err;
  }
}
