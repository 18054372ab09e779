import type { AttemptOutputs } from '../attemptOutputs.js';
import type { Logger } from '../../../runtime/logger.js';
import type { NodeThreadPool } from '../../threadJobs.js';
import type { QueryService } from '../../query/queryService.js';
import type { DatasetRegistry } from '../../state/datasetRegistry.js';
import type { ClaimedTask, JsonValue } from '../../state/tasks/taskTypes.js';
import { RunSpecError, type RunSpec } from '../../state/tasks/runSpec.js';

export interface OperatorContext {
  task: ClaimedTask;
  params: Record<string, unknown>;
  /** Aborted when the lease is lost or the process shuts down; long work must honour it. */
  signal: AbortSignal;
  threads: NodeThreadPool;
  log: Logger;
  /** Fenced writes of this attempt: staged objects, commits, buffered row batches. */
  outputs: AttemptOutputs;
  /** The dataset registry, for operators that transform registered versions (compaction). */
  registry: DatasetRegistry;
  /** The Query Service (SQL over hot + cold), for operators that read datasets. */
  query: () => Promise<QueryService>;
}

/** Operator code; runs only after its task was claimed. Its return value is stored as the task's result. */
export type Operator = (ctx: OperatorContext) => Promise<JsonValue | undefined>;

export class UnknownOperatorError extends Error {
  override name = 'UnknownOperatorError';
}

/** Operators by name. */
export class OperatorRegistry {
  private readonly operators = new Map<string, Operator>();

  register(name: string, operator: Operator): this {
    if (this.operators.has(name)) throw new Error(`operator ${name} is already registered`);
    this.operators.set(name, operator);
    return this;
  }

  get(name: string): Operator {
    const operator = this.operators.get(name);
    if (!operator) throw new UnknownOperatorError(`unknown operator ${name}; known: ${this.names().join(', ')}`);
    return operator;
  }

  has(name: string): boolean {
    return this.operators.has(name);
  }

  names(): string[] {
    return [...this.operators.keys()].sort();
  }

  /** Refuses a run naming an operator this registry lacks, before anything is written. */
  checkRun(spec: Pick<RunSpec, 'tasks'>): void {
    const unknown = spec.tasks.filter((t) => !this.has(t.operator)).map((t) => `${t.name}: ${t.operator}`);
    if (unknown.length > 0) throw new RunSpecError(`unknown operator(s) ${unknown.join(', ')}; known: ${this.names().join(', ')}`);
  }
}
