/**
 * How each compose service runs on one machine without Docker. PostgreSQL and MinIO are the only
 * infrastructure the harness substitutes; every other service must be built from this repository
 * and run one of its commands (`up`, `migrate`), which becomes an OS process of this build's CLI with
 * the same arguments. Anything else is a disagreement between compose and the harness, and fails.
 */
import path from 'node:path';
import { CLI_ENTRY } from '../processes/traceNode.js';
import { ComposeMappingError, readComposeFile, type ComposeService } from './composeFile.js';
import { readDockerfile } from './dockerfile.js';

/** The substitutes, recognised by image name (any tag). */
const POSTGRES_IMAGE = /^(.+\/)?postgres(:[\w.-]+)?$/;
const MINIO_IMAGE = /^(.+\/)?minio\/minio(:[\w.-]+)?$/;
/** Long-running commands are gated on readiness; one-shot ones on their exit. */
const LONG_RUNNING = 'up';
const ONE_SHOT = 'migrate';

export type ServicePlan =
  | { kind: 'postgres'; service: ComposeService }
  | { kind: 's3'; service: ComposeService; accessKeyId: string; secretAccessKey: string }
  | { kind: 'trace'; service: ComposeService; args: string[]; oneShot: boolean };

export type TracePlan = Extract<ServicePlan, { kind: 'trace' }>;

/** Every service of the compose file, mapped; throws ComposeMappingError on the first it cannot map. */
export function planServices(composeFile: string): ServicePlan[] {
  const services = readComposeFile(composeFile);
  const plans = services.map((service) => planService(service, path.dirname(path.resolve(composeFile))));
  for (const kind of ['postgres', 's3'] as const) {
    const found = plans.filter((p) => p.kind === kind).map((p) => p.service.name);
    if (found.length > 1) throw new ComposeMappingError(`services ${found.join(', ')} are all ${kind}: the harness substitutes one`);
  }
  const byName = new Map(plans.map((p) => [p.service.name, p]));
  for (const plan of plans) {
    for (const { service, condition } of plan.service.dependsOn) {
      const target = byName.get(service);
      if (target === undefined) throw new ComposeMappingError(`service ${plan.service.name} depends on ${service}, which compose does not define`);
      if (condition === 'service_completed_successfully' && !(target.kind === 'trace' && target.oneShot)) {
        throw new ComposeMappingError(`service ${plan.service.name} waits for ${service} to complete, but ${service} runs until stopped`);
      }
      if (condition === 'service_healthy' && target.kind === 'trace' && target.oneShot) {
        throw new ComposeMappingError(`service ${plan.service.name} waits for ${service} to be healthy, but ${service} is a one-shot command`);
      }
    }
  }
  return plans;
}

function planService(service: ComposeService, composeDir: string): ServicePlan {
  const { name, image } = service;
  if (image !== undefined && service.buildContext === undefined && POSTGRES_IMAGE.test(image)) return { kind: 'postgres', service };
  if (image !== undefined && service.buildContext === undefined && MINIO_IMAGE.test(image)) {
    const { MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey } = service.environment;
    if (!accessKeyId || !secretAccessKey) throw new ComposeMappingError(`service ${name}: MinIO without MINIO_ROOT_USER and MINIO_ROOT_PASSWORD`);
    return { kind: 's3', service, accessKeyId, secretAccessKey };
  }
  if (service.buildContext === undefined) {
    throw new ComposeMappingError(`service ${name} (image ${image ?? 'none'}) is neither PostgreSQL, MinIO nor built from this repository: the harness cannot map it`);
  }
  if (service.hasVolumes) throw new ComposeMappingError(`service ${name}: volumes on a Trace service are not reproduced by the harness`);
  if (service.hasHealthcheck) throw new ComposeMappingError(`service ${name}: a container health check cannot run outside Docker; the harness gates Trace services on their own readiness`);
  const context = path.resolve(composeDir, service.buildContext);
  const dockerfile = path.join(context, service.dockerfile);
  const built = readDockerfile(dockerfile);
  const [interpreter, script, ...entryArgs] = built.entrypoint;
  const entry = script === undefined ? undefined : path.resolve(context, path.posix.relative(built.workdir, path.posix.resolve(built.workdir, script)));
  if (interpreter !== 'node' || entry !== CLI_ENTRY || entryArgs.length > 0) {
    throw new ComposeMappingError(`service ${name}: ${dockerfile} runs ${JSON.stringify(built.entrypoint)}, not this build's CLI (node ${CLI_ENTRY})`);
  }
  const args = service.command ?? built.cmd;
  const command = args[0];
  if (command !== LONG_RUNNING && command !== ONE_SHOT) {
    throw new ComposeMappingError(`service ${name}: command ${JSON.stringify(args)} is not one the harness can gate (${LONG_RUNNING}, ${ONE_SHOT})`);
  }
  return { kind: 'trace', service, args, oneShot: command === ONE_SHOT };
}
