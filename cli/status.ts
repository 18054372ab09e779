import type { Runtime } from '../actors/node/context.js';
import { outboxStore } from '../actors/state/outbox/outboxStore.js';
import { TASK_QUEUE } from '../actors/state/tasks/taskTypes.js';

export interface StatusReport {
  tasks: Record<string, number>;
  queue: { name: string; depth: number; visible: number; in_flight: number; oldest_age_seconds: number; dead: number };
  outbox: { pending: number; parked: number; oldest_age_seconds: number };
}

export async function statusReport(rt: Runtime): Promise<StatusReport> {
  const [tasks, queue, outbox] = await Promise.all([rt.tasks.reads.countsByStatus(), rt.queue.metrics(TASK_QUEUE), outboxStore.stats(rt.db)]);
  return {
    tasks,
    queue: {
      name: TASK_QUEUE,
      depth: queue.depth,
      visible: queue.visible,
      in_flight: queue.inFlight,
      oldest_age_seconds: round(queue.oldestAgeSeconds),
      dead: queue.dead,
    },
    outbox: { pending: outbox.pending, parked: outbox.parked, oldest_age_seconds: round(outbox.oldestAgeSeconds) },
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export function formatStatus(report: StatusReport): string {
  const tasks = Object.entries(report.tasks).map(([status, n]) => `  ${status.padEnd(10)} ${n}`);
  const q = report.queue;
  return [
    'tasks',
    ...tasks,
    `queue ${q.name}`,
    `  depth      ${q.depth} (${q.visible} waiting, ${q.in_flight} in flight)`,
    `  oldest     ${q.oldest_age_seconds}s`,
    `  dead       ${q.dead}`,
    'outbox',
    `  pending    ${report.outbox.pending} (oldest ${report.outbox.oldest_age_seconds}s)`,
    `  parked     ${report.outbox.parked}`,
  ].join('\n');
}
