import type { Command } from 'commander';
import type { Runtime } from '../../actors/node/context.js';
import { print } from '../output.js';
import { withSession } from '../session.js';

interface StatusReport {
  tasks: Record<string, number>;
  queue: { name: string; depth: number; visible: number; in_flight: number; oldest_age_seconds: number; dead: number };
  outbox: { pending: number; parked: number; oldest_age_seconds: number };
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('tasks by status, queue depth and age, dead letters, outbox backlog')
    .option('--job <id|name>', 'a chain_sync job instead: per stream cursor, ranges, rows, blocks/s')
    .option('--watch', 'with --job: follow the job until it completes (progress bars on a terminal)')
    .option('--json', 'print one JSON object')
    .action((opts: { json?: boolean; job?: string; watch?: boolean }) =>
      withSession(async ({ rt }) => {
        if (opts.job !== undefined) {
          const { formatJobStatus, watchJob } = await import('../progress.js');
          const job = opts.watch ? await watchJob(rt.syncJobs, opts.job) : await rt.syncJobs.status(opts.job);
          if (opts.watch && !job.complete) process.exitCode = 1;
          return print(opts.json ? JSON.stringify(job) : formatJobStatus(job));
        }
        const report = await statusReport(rt);
        print(opts.json ? JSON.stringify(report) : formatStatus(report));
      }),
    );
}

async function statusReport(rt: Runtime): Promise<StatusReport> {
  const [{ outboxStore }, { TASK_QUEUE }] = await Promise.all([import('../../actors/state/outbox/outboxStore.js'), import('../../actors/state/tasks/taskTypes.js')]);
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

function formatStatus(report: StatusReport): string {
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
