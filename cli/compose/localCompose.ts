/**
 * `docker compose up` without Docker: the compose file's Trace services as OS processes of this
 * build's CLI (one per instance, `--scale`-like counts), PostgreSQL replaced by a fresh database on
 * the machine's (or the embedded) server and MinIO by the embedded S3 server on a loopback port,
 * each service started once its depends_on conditions hold, and everything stopped by down():
 * services newest first, then the database dropped and the S3 server stopped.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { resolveDatabase, type ResolvedDatabase } from '../../drivers/postgres/embedded/resolveDatabase.js';
import { createScratchDatabase, type ScratchDatabase } from '../../drivers/postgres/scratchDatabase.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../../drivers/store/embeddedS3.js';
import { loadConfig } from '../../runtime/config.js';
import type { ExitStatus } from '../processes/managedProcess.js';
import { ProcessGroup } from '../processes/processGroup.js';
import { CLI_ENTRY, TraceNode, type NodeReady } from '../processes/traceNode.js';
import { ComposeMappingError, type DependencyCondition } from './composeFile.js';
import { serviceEnvironment, type Substitutes } from './serviceEnvironment.js';
import { planServices, type ServicePlan, type TracePlan } from './servicePlan.js';

export interface LocalComposeOptions {
  composeFile: string;
  /** Per-instance working directories and logs, and the S3 server's files. */
  runDir: string;
  /** Variables every Trace service gets besides compose's (the chain's RPC pool, the queue driver). */
  additions: Record<string, string>;
  /** Variables one service's instances get on top of `additions`, by service name. */
  serviceAdditions?: Record<string, Record<string, string>>;
  /** Instances per service, as `docker compose up --scale worker=4`; 1 when not named. */
  scale?: Record<string, number>;
  /** Start only these Trace services and what they depend on; all when omitted. */
  services?: readonly string[];
  /**
   * Servers the caller runs (and may kill and restart): the run's database is created on
   * `serverUrl` and the services use the S3 server at `s3Endpoint`, which down() leaves running.
   * Without it, the machine's (or the embedded) PostgreSQL and an S3 server of its own.
   */
  infrastructure?: { serverUrl: string; s3Endpoint: string };
  log: (line: string) => void;
}

/** The compose file beside this build (the repository's). */
export const REPOSITORY_COMPOSE_FILE = path.resolve(path.dirname(CLI_ENTRY), '../../compose.yaml');
/** A node takes 1-3 s to start on 2 busy cores; a migration of an empty database about as long. */
const START_TIMEOUT_MS = 60_000;
/** SIGTERM lets attempts finish within the shutdown grace (15 s by default); then SIGKILL. */
const STOP_GRACE_MS = 30_000;
const DATABASE_PREFIX = 'trace_compose_';
/** Addresses of the right shape, to check the mapping before the substitutes run. */
const PLACEHOLDER_SUBSTITUTES: Substitutes = { databaseUrl: 'postgres://127.0.0.1:5432/placeholder', s3Endpoint: 'http://127.0.0.1:9000' };

export class LocalCompose {
  readonly plans: ServicePlan[];
  /** Instances of each Trace service, in start order. */
  readonly nodes = new Map<string, TraceNode[]>();
  /** What each long-running instance reported when it became ready. */
  readonly readiness = new Map<TraceNode, NodeReady>();
  private readonly group = new ProcessGroup();
  private readonly reached = new Map<string, Promise<void>>();
  private server: ResolvedDatabase | undefined;
  private scratch: ScratchDatabase | undefined;
  private s3: EmbeddedS3 | undefined;
  private substitutes: Substitutes | undefined;
  private downed: Promise<Map<string, ExitStatus>> | undefined;

  constructor(private readonly options: LocalComposeOptions) {
    this.plans = planServices(options.composeFile);
    const names = new Set(this.plans.map((p) => p.service.name));
    for (const name of [...Object.keys(options.scale ?? {}), ...Object.keys(options.serviceAdditions ?? {}), ...(options.services ?? [])]) {
      if (!names.has(name)) throw new ComposeMappingError(`no service ${name} in ${options.composeFile}`);
    }
    // Every service's environment maps (and its configuration loads) before anything starts.
    for (const plan of this.plans) if (plan.kind === 'trace') serviceEnvironment(plan, this.plans, PLACEHOLDER_SUBSTITUTES, this.additions(plan.service.name));
  }

  /** The environment each instance of `service` runs with. */
  environment(service: string): Record<string, string> {
    const plan = this.trace(service);
    if (this.substitutes === undefined) throw new Error('local compose is not up');
    return serviceEnvironment(plan, this.plans, this.substitutes, this.additions(service));
  }

  private additions(service: string): Record<string, string> {
    return { ...this.options.additions, ...this.options.serviceAdditions?.[service] };
  }

  /** The base URL of the HTTP API, if a started service serves it. */
  get gateway(): string | undefined {
    return [...this.readiness.values()].find((r) => r.gateway !== undefined)?.gateway;
  }

  /** Starts the substitutes, then the services in depends_on order; resolves when every long-running one is ready. */
  async up(): Promise<void> {
    const { log, runDir } = this.options;
    await mkdir(runDir, { recursive: true });
    const postgres = this.infra('postgres');
    const s3 = this.infra('s3');
    const given = this.options.infrastructure;
    this.server = given ? { url: given.serverUrl, embedded: true, stop: async () => undefined } : await resolveDatabase({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: loadConfig().dataDir });
    this.scratch = await createScratchDatabase(this.server.url, DATABASE_PREFIX);
    this.s3 = given ? undefined : await startEmbeddedS3({ dataDir: path.join(runDir, s3.service.name), accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    const s3Endpoint = given?.s3Endpoint ?? this.s3!.endpoint;
    this.substitutes = { databaseUrl: this.scratch.url, s3Endpoint };
    const where = new URL(this.scratch.url);
    log(`${postgres.service.name} → database ${this.scratch.name} on ${where.host}${this.server.embedded ? ' (embedded PostgreSQL)' : ''}; ${s3.service.name} → embedded S3 ${s3Endpoint}`);
    const wanted = this.options.services ?? this.plans.filter((p) => p.kind === 'trace').map((p) => p.service.name);
    await Promise.all(wanted.map((name) => this.reach(name, this.trace(name).oneShot ? 'service_completed_successfully' : 'service_healthy')));
  }

  /** Stops every instance (newest first), drops the database, stops the S3 server; how each instance ended. Idempotent. */
  down(): Promise<Map<string, ExitStatus>> {
    this.downed ??= (async () => {
      const ended = await this.group.stopAll(STOP_GRACE_MS);
      await this.scratch?.drop();
      await this.server?.stop();
      await this.s3?.stop();
      return ended;
    })();
    return this.downed;
  }

  /** Resolves once `service` meets `condition`, starting it (and what it depends on) first. */
  private reach(service: string, condition: DependencyCondition): Promise<void> {
    const plan = this.plans.find((p) => p.service.name === service)!;
    if (plan.kind !== 'trace') return Promise.resolve(); // substitutes are up and healthy before any service starts
    const started = this.memo(`${service}:started`, () => this.start(plan));
    if (condition === 'service_started') return started;
    return this.memo(`${service}:${condition}`, async () => {
      await started;
      await Promise.all(
        (this.nodes.get(service) ?? []).map(async (node) => {
          if (plan.oneShot) await node.completed(START_TIMEOUT_MS);
          else this.readiness.set(node, await node.ready(START_TIMEOUT_MS));
        }),
      );
      this.options.log(`${service}: ${plan.oneShot ? 'completed' : 'ready'}`);
    });
  }

  private memo(key: string, fn: () => Promise<void>): Promise<void> {
    let promise = this.reached.get(key);
    if (promise === undefined) {
      promise = fn();
      this.reached.set(key, promise);
    }
    return promise;
  }

  private async start(plan: TracePlan): Promise<void> {
    await Promise.all(plan.service.dependsOn.map((d) => this.reach(d.service, d.condition)));
    const { name } = plan.service;
    const count = this.options.scale?.[name] ?? 1;
    const env = this.environment(name);
    const instances: TraceNode[] = [];
    for (let i = 1; i <= count; i++) {
      const instance = count === 1 ? name : `${name}-${i}`;
      const node = this.group.add(new TraceNode({ name: instance, args: plan.args, env, dir: path.join(this.options.runDir, instance) }));
      await node.start();
      instances.push(node);
    }
    this.nodes.set(name, instances);
    this.options.log(`${name}: started ${instances.map((n) => `${n.name} (pid ${n.pid})`).join(', ')}: ${plan.args.join(' ')}`);
  }

  private trace(service: string): TracePlan {
    const plan = this.plans.find((p) => p.service.name === service);
    if (plan?.kind !== 'trace') throw new ComposeMappingError(`${service} is not a Trace service of ${this.options.composeFile}`);
    return plan;
  }

  private infra<K extends 'postgres' | 's3'>(kind: K): Extract<ServicePlan, { kind: K }> {
    const plan = this.plans.find((p): p is Extract<ServicePlan, { kind: K }> => p.kind === kind);
    if (plan === undefined) throw new ComposeMappingError(`${this.options.composeFile} has no ${kind === 'postgres' ? 'PostgreSQL' : 'MinIO'} service for the harness to substitute`);
    return plan;
  }
}
