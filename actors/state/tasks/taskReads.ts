import type { PgPool, Queryable } from '../../../drivers/postgres/postgres.js';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { AttemptRow, RunRow, TaskRow, TaskStatus } from './taskTypes.js';

const SQL = loadStatements('state/tasks.sql', ['getTask', 'listRunTasks', 'getRun', 'listAttempts', 'countTasksByStatus'] as const);

/** Reads of runs, tasks and attempts, for status, the CLI and the HTTP API. */
export class TaskReads {
  constructor(private readonly db: PgPool) {}

  async getTask(taskId: string, db: Queryable = this.db): Promise<TaskRow | undefined> {
    return (await db.query<TaskRow>(SQL.getTask, [taskId])).rows[0];
  }

  async getRun(runId: string): Promise<{ run: RunRow; tasks: TaskRow[] } | undefined> {
    const run = (await this.db.query<RunRow>(SQL.getRun, [runId])).rows[0];
    if (!run) return undefined;
    return { run, tasks: (await this.db.query<TaskRow>(SQL.listRunTasks, [runId])).rows };
  }

  async attemptHistory(taskId: string): Promise<AttemptRow[]> {
    return (await this.db.query<AttemptRow>(SQL.listAttempts, [taskId])).rows;
  }

  async countsByStatus(): Promise<Record<TaskStatus, number>> {
    const counts: Record<TaskStatus, number> = { pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const r of (await this.db.query<{ status: TaskStatus; count: number }>(SQL.countTasksByStatus)).rows) counts[r.status] = r.count;
    return counts;
  }
}
