import type { Queryable, SchemaNames } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';

const SQL = loadStatements('state/dispatch.sql', ['notifyDispatchers', 'notifyIfPlannerSlot'] as const);

/**
 * What wakes an idle dispatcher: `plan` (a job applied or resumed, a sync range ended: plan, poll
 * heads, follow tips) and `retry` (an attempt failed with a retry scheduled).
 */
export type DispatchEvent = 'plan' | 'retry';

/** The installation's LISTEN/NOTIFY channel of dispatcher wake-ups. */
export function dispatchChannel(schemas: Pick<SchemaNames, 'channelPrefix'>): string {
  return `${schemas.channelPrefix}_dispatch`;
}

/** Wakes the dispatchers for `event` when the caller's transaction commits. */
export async function notifyDispatchers(db: Queryable, channel: string, event: DispatchEvent): Promise<void> {
  await db.query(SQL.notifyDispatchers, [channel, event]);
}

/** Wakes the planners when the task that ended held a planner's slot: a chain_sync range or a compaction. */
export async function notifyIfPlannerSlot(db: Queryable, channel: string, taskId: string): Promise<void> {
  await db.query(SQL.notifyIfPlannerSlot, [channel, taskId]);
}
