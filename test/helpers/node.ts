import type { ExecutionContext } from 'ava';
import { createLogger } from '../../runtime/logger.js';
import { closeRuntime, openRuntime, type Runtime } from '../../actors/node/context.js';
import { buildSupervisor } from '../../actors/node/node.js';
import { ROLES, type Role } from '../../actors/node/roles.js';
import type { Supervisor } from '../../runtime/supervisor.js';
import type { OperatorRegistry } from '../../actors/worker/operators/registry.js';
import type { QueueDriver } from '../../drivers/queue/queueDriver.js';
import type { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import type { TestInstallation } from './installation.js';

export interface TestNode {
  rt: Runtime;
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/** A runtime and its supervised actors in this process, against a test installation; stopped at teardown. */
export async function startNode(
  t: ExecutionContext,
  inst: TestInstallation,
  options: { roles?: readonly Role[]; operators?: OperatorRegistry; queue?: QueueDriver; objects?: LazyObjectStore; env?: NodeJS.ProcessEnv; start?: boolean } = {},
): Promise<TestNode> {
  const log = createLogger(process.env.TRACE_TEST_LOG_LEVEL ?? 'silent');
  const rt = openRuntime({ config: inst.config, log, url: inst.url, operators: options.operators, queue: options.queue, objects: options.objects, env: options.env });
  const supervisor = buildSupervisor(rt, options.roles ?? ROLES);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await supervisor.stop();
    await closeRuntime(rt);
  };
  t.teardown(stop);
  if (options.start !== false) await supervisor.start();
  return { rt, supervisor, stop };
}
