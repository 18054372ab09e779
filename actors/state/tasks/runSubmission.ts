import { withTransaction, type PgClient, type PgPool } from '../../../drivers/postgres/postgres.js';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import { outboxStore } from '../outbox/outboxStore.js';
import type { RunSpec } from './runSpec.js';
import { TASK_QUEUE, type RetryPolicy, type TaskStatus } from './taskTypes.js';

const SQL = loadStatements('state/tasks.sql', ['insertRun', 'insertTasks', 'insertDependencies'] as const);

/** Creates runs: the run, its tasks and dependencies, and wake-ups for the ready tasks, in one transaction. */
export class RunSubmission {
  constructor(
    private readonly db: PgPool,
    private readonly policy: Pick<RetryPolicy, 'defaultMaxAttempts'>,
  ) {}

  async submitRun(spec: RunSpec): Promise<{ runId: string; tasks: Record<string, string> }> {
    return withTransaction(this.db, (client) => this.submitRunIn(client, spec));
  }

  /** submitRun inside the caller's transaction (a planner that also advances its cursor). */
  async submitRunIn(client: PgClient, spec: RunSpec): Promise<{ runId: string; tasks: Record<string, string> }> {
    const run = await client.query<{ run_id: string }>(SQL.insertRun, [spec.name]);
    const runId = run.rows[0]!.run_id;
    const inserted = await client.query<{ task_id: string; name: string; status: TaskStatus }>(SQL.insertTasks, [
      runId,
      spec.tasks.map((t) => t.name),
      spec.tasks.map((t) => t.operator),
      spec.tasks.map((t) => JSON.stringify(t.params)),
      spec.tasks.map((t) => t.max_attempts ?? this.policy.defaultMaxAttempts),
      spec.tasks.map((t) => t.depends_on.length === 0),
    ]);
    const ids = Object.fromEntries(inserted.rows.map((r) => [r.name, r.task_id]));
    const edges = spec.tasks.flatMap((t) => t.depends_on.map((dep) => [ids[t.name]!, ids[dep]!] as const));
    if (edges.length > 0) await client.query(SQL.insertDependencies, [edges.map((e) => e[0]), edges.map((e) => e[1])]);
    const ready = inserted.rows.filter((r) => r.status === 'queued');
    await outboxStore.insertWakeups(client, TASK_QUEUE, ready.map((r) => ({ task_id: r.task_id })));
    return { runId, tasks: ids };
  }

  /** A run of one task; returns the task id. */
  async submitTask(operator: string, params: Record<string, unknown>, maxAttempts?: number): Promise<string> {
    const { tasks } = await this.submitRun({
      name: operator,
      tasks: [{ name: operator, operator, params, max_attempts: maxAttempts, depends_on: [] }],
    });
    return tasks[operator]!;
  }
}
