import type { PgPool } from '../../../drivers/postgres/postgres.js';
import { AttemptTransitions } from './attemptTransitions.js';
import { RunSubmission } from './runSubmission.js';
import { TaskMaintenance } from './taskMaintenance.js';
import { TaskReads } from './taskReads.js';
import type { RetryPolicy } from './taskTypes.js';

/**
 * The task lifecycle in Postgres, by duty: submitting runs, an attempt's fenced transitions, the
 * dispatcher's maintenance, and reads. Every transition that needs a wake-up writes it to the
 * outbox in the same transaction, never to the queue.
 */
export class TaskStore {
  readonly runs: RunSubmission;
  readonly attempts: AttemptTransitions;
  readonly maintenance: TaskMaintenance;
  readonly reads: TaskReads;

  constructor(db: PgPool, policy: RetryPolicy, dispatchChannel: string) {
    this.runs = new RunSubmission(db, policy);
    this.attempts = new AttemptTransitions(db, policy, dispatchChannel);
    this.maintenance = new TaskMaintenance(db, policy, dispatchChannel);
    this.reads = new TaskReads(db);
  }
}
