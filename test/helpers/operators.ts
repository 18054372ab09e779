import { setTimeout as delay } from 'node:timers/promises';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import type { OperatorRegistry } from '../../actors/worker/operators/registry.js';

export interface Probe {
  operators: OperatorRegistry;
  /** Operator runs per task id. */
  runs: Map<string, number>;
  /** Most runs of one task id in progress at the same moment. */
  maxConcurrent: Map<string, number>;
  /** Task ids in the order their runs started. */
  order: string[];
}

/** The built-in operators plus `probe`, which records every run (sleeping `ms`, default 50). */
export function probeOperators(): Probe {
  const runs = new Map<string, number>();
  const maxConcurrent = new Map<string, number>();
  const inProgress = new Map<string, number>();
  const order: string[] = [];
  const operators = builtinOperators().register('probe', async ({ task, params, signal }) => {
    const id = task.taskId;
    order.push(id);
    runs.set(id, (runs.get(id) ?? 0) + 1);
    inProgress.set(id, (inProgress.get(id) ?? 0) + 1);
    maxConcurrent.set(id, Math.max(maxConcurrent.get(id) ?? 0, inProgress.get(id)!));
    try {
      await delay(typeof params.ms === 'number' ? params.ms : 50, undefined, { signal });
    } finally {
      inProgress.set(id, inProgress.get(id)! - 1);
    }
    return { attempt: task.attempt };
  });
  return { operators, runs, maxConcurrent, order };
}
