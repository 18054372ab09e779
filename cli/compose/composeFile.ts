/**
 * compose.yaml as the harness reads it: YAML merge keys resolved (as `docker compose config` does),
 * then every service checked against the keys and forms the harness knows how to honour. A key it
 * does not know fails here, naming the service, so a compose file that grew something the harness
 * cannot reproduce stops the harness instead of being half run.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

export const DEPENDENCY_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'] as const;
export type DependencyCondition = (typeof DEPENDENCY_CONDITIONS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const ServiceSchema = z
  .object({
    image: z.string().optional(),
    build: z.union([z.string(), z.object({ context: z.string(), dockerfile: z.string().optional() }).strict()]).optional(),
    command: z.union([z.string(), z.array(z.string())]).optional(),
    environment: z.union([z.record(z.string(), scalar.nullable()), z.array(z.string())]).optional(),
    depends_on: z
      .union([
        z.array(z.string()),
        z.record(z.string(), z.object({ condition: z.enum(DEPENDENCY_CONDITIONS).default('service_started'), restart: z.boolean().optional() }).strict()),
      ])
      .optional(),
    ports: z.array(z.union([z.string(), z.number()])).optional(),
    restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
    // Only the infrastructure services may have these: their substitutes bring their own storage and readiness.
    volumes: z.array(z.unknown()).optional(),
    healthcheck: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const ComposeSchema = z
  .object({
    services: z.record(z.string(), ServiceSchema),
    volumes: z.record(z.string(), z.unknown().nullable()).optional(),
  })
  .catchall(z.unknown())
  .superRefine((compose, ctx) => {
    for (const key of Object.keys(compose)) {
      if (key !== 'services' && key !== 'volumes' && !key.startsWith('x-')) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'a top-level key the harness cannot honour' });
      }
    }
  });

type RawService = z.output<typeof ServiceSchema>;

/** One service, in the one form the harness reads (long and short compose forms made alike). */
export interface ComposeService {
  name: string;
  image: string | undefined;
  /** Build context, relative to the compose file's directory. */
  buildContext: string | undefined;
  dockerfile: string;
  command: string[] | undefined;
  environment: Record<string, string>;
  dependsOn: { service: string; condition: DependencyCondition }[];
  /** Container ports published to the host. */
  publishedPorts: number[];
  restart: string | undefined;
  hasVolumes: boolean;
  hasHealthcheck: boolean;
}

export class ComposeMappingError extends Error {
  override name = 'ComposeMappingError';
}

/** Reads and checks a compose file; throws ComposeMappingError naming what it cannot honour. */
export function readComposeFile(file: string): ComposeService[] {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'), { merge: true });
  } catch (err) {
    throw new ComposeMappingError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const checked = ComposeSchema.safeParse(raw);
  if (!checked.success) {
    const issues = checked.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ComposeMappingError(`${file}: ${issues.join('; ')}`);
  }
  return Object.entries(checked.data.services).map(([name, s]) => normalise(name, s));
}

function normalise(name: string, s: RawService): ComposeService {
  const build = typeof s.build === 'string' ? { context: s.build, dockerfile: undefined } : s.build;
  return {
    name,
    image: s.image,
    buildContext: build?.context,
    dockerfile: build?.dockerfile ?? 'Dockerfile',
    command: typeof s.command === 'string' ? s.command.split(/\s+/).filter(Boolean) : s.command,
    environment: environmentOf(name, s.environment),
    dependsOn: Array.isArray(s.depends_on)
      ? s.depends_on.map((service) => ({ service, condition: 'service_started' as const }))
      : Object.entries(s.depends_on ?? {}).map(([service, d]) => ({ service, condition: d.condition })),
    publishedPorts: (s.ports ?? []).map((p) => containerPort(name, p)),
    restart: s.restart,
    hasVolumes: (s.volumes ?? []).length > 0,
    hasHealthcheck: s.healthcheck !== undefined,
  };
}

/** The mapping and the `KEY=value` list forms; a null or bare key takes nothing (compose would read the host's variable). */
function environmentOf(service: string, env: RawService['environment']): Record<string, string> {
  const pairs = Array.isArray(env) ? env.map((entry) => entry.split(/=(.*)/s, 2) as [string, string | undefined]) : Object.entries(env ?? {});
  const out: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (value === undefined || value === null) {
      throw new ComposeMappingError(`service ${service}: ${key} takes its value from the host's environment, which the harness does not pass on`);
    }
    out[key] = String(value);
  }
  return out;
}

/** `"8787:8787"`, `"127.0.0.1:8787:8787"`, `8787`, `"8787/tcp"` → the container port. */
function containerPort(service: string, entry: string | number): number {
  const port = Number(String(entry).split(':').at(-1)!.replace(/\/tcp$/, ''));
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new ComposeMappingError(`service ${service}: cannot read the port mapping ${entry}`);
  return port;
}
