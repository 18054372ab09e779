/**
 * Faults of the wake-up queue (pgqueue's table, written as a broken broker would): every wake-up
 * delivered ten times, the queue wiped, and poison messages no consumer can handle.
 */
import { TASK_QUEUE } from '../../../actors/state/tasks/taskTypes.js';
import { BUFFER_QUEUE } from '../../../actors/state/bufferBatches.js';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { ChaosContext, FaultKind } from './faultKind.js';

const SQL = loadStatements('harness/chaos.sql', ['multiplyWakeups', 'wipeQueue', 'injectPoison'] as const);

/** "Delivered ten times": nine copies beside the original. */
const EXTRA_DELIVERIES = 9;
/** Deliveries before a poison message is dead-lettered, as the services' queue does it. */
const POISON_MAX_ATTEMPTS = 2;
/** Per run: the highest message id a wakeups_x10 injection created (copies are not copied again). */
const highestCopy = new WeakMap<ChaosContext, string>();

export const wakeupsTenTimes: FaultKind = {
  name: 'wakeups_x10',
  summary: 'every waiting wake-up delivered ten times',
  async inject(ctx) {
    const { copies, highest } = (await ctx.db.query<{ copies: number; highest: string | null }>(SQL.multiplyWakeups, [EXTRA_DELIVERIES, highestCopy.get(ctx) ?? '0'])).rows[0]!;
    if (highest !== null) highestCopy.set(ctx, highest);
    return `${copies} duplicate wake-ups`;
  },
};

export const queueWiped: FaultKind = {
  name: 'queue_wiped',
  summary: 'the queue wiped (every message deleted)',
  async inject(ctx) {
    const { rowCount } = await ctx.db.query(SQL.wipeQueue);
    return `${rowCount ?? 0} messages deleted`;
  },
};

export const poisonMessages: FaultKind = {
  name: 'poison_messages',
  summary: 'a poison wake-up on the task queue and a poison buffer batch wake-up',
  async inject(ctx) {
    for (const queue of [TASK_QUEUE, BUFFER_QUEUE]) await ctx.db.query(SQL.injectPoison, [queue, POISON_MAX_ATTEMPTS]);
    return `poison on ${TASK_QUEUE} and ${BUFFER_QUEUE}`;
  },
};
