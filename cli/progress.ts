import cliProgress from 'cli-progress';
import { setTimeout as delay } from 'node:timers/promises';
import type { JobStatus, SyncJobs } from '../actors/state/syncJobs.js';

/** How often a watched job's status is read: bars move smoothly for two small queries a second. */
const POLL_MS = 500;
/** Without a terminal, one status line per stream this often. */
const LOG_EVERY_MS = 10_000;

/** A job's status as text: one line for the job, one per stream. */
export function formatJobStatus(job: JobStatus): string {
  const lines = [`job ${job.job_id} ${job.name} (chain ${job.chain_id}, ${job.mode.kind}): ${job.status}${job.complete ? ', complete' : ''}`];
  if (job.planning_paused !== null) lines.push(`  planning paused: ${job.planning_paused}`);
  for (const [key, s] of Object.entries(job.streams)) {
    const target = s.target === null ? 'head?' : String(s.target);
    const rate = s.blocks_per_s === null ? '' : `, ${s.blocks_per_s} blocks/s`;
    const head = s.head === null ? '' : `  head ${s.head.block} (${s.head.age_seconds}s old${s.head.stale ? ', stale' : ''})`;
    lines.push(
      `  ${key.padEnd(14)} ${s.dataset.padEnd(18)} cursor ${s.cursor}/${target}  ranges ${s.ranges_done} done, ${s.ranges_in_flight} in flight, ${s.ranges_failed} failed  ${s.rows} rows${rate}${head}`,
    );
  }
  lines.push(...tierLines(job));
  if (job.failed_ranges.length > 0) {
    lines.push(`  failed ranges (a gap: compaction merges the ranges on each side of it separately):`);
    for (const r of job.failed_ranges) lines.push(`    ${r.stream} [${r.start}, ${r.end}): ${r.error ?? 'cancelled'}`);
    lines.push(`  plan them again with: trace-lite retry --job ${job.name}`);
  }
  return lines.join('\n');
}

/** Per dataset: the blocks served from hot rows, those served from files, and the compaction backlog. */
export function tierLines(job: Pick<JobStatus, 'tiers'>): string[] {
  return Object.entries(job.tiers).map(([dataset, t]) => {
    const hot = t.hot ? `hot [${t.hot.from}, ${t.hot.to})` : 'hot -';
    const cold = t.cold ? `cold [${t.cold.from}, ${t.cold.to}) in ${t.cold.files} files` : 'cold -';
    const backlog = `compaction backlog ${t.backlog.versions} ranges / ${t.backlog.blocks} blocks (${t.backlog.in_flight} compacting)`;
    return `  ${dataset.padEnd(14)} ${hot}  ${cold}  ${backlog}`;
  });
}

/** Nothing left to run: complete, or stopped on ranges that failed terminally. */
export function jobSettled(status: JobStatus): boolean {
  return (
    status.complete ||
    (status.mode.kind === 'fixed_target' &&
      Object.values(status.streams).every((s) => s.target !== null && s.cursor >= s.target && s.ranges_in_flight === 0))
  );
}

function total(s: JobStatus['streams'][string], from: number): number {
  return s.target === null ? 0 : Math.max(0, s.target - from);
}

/**
 * Follows a chain_sync job (read in this process, or over the HTTP API) until `done` (default: nothing is left to
 * run, never for follow_head): progress bars per stream (blocks done/total, rows, blocks/s, ETA) on a TTY, periodic
 * status lines otherwise.
 */
export async function watchJob(
  jobs: Pick<SyncJobs, 'status'>,
  idOrName: string,
  out: NodeJS.WriteStream = process.stderr,
  done: (status: JobStatus) => boolean = jobSettled,
): Promise<JobStatus> {
  const first = await jobs.status(idOrName);
  const from = first.mode.from_block;
  if (!out.isTTY) {
    let lastLog = 0;
    for (;;) {
      const status = await jobs.status(idOrName);
      if (done(status) || Date.now() - lastLog >= LOG_EVERY_MS) {
        out.write(`${formatJobStatus(status)}\n`);
        lastLog = Date.now();
      }
      if (done(status)) return status;
      await delay(POLL_MS);
    }
  }
  const bars = new cliProgress.MultiBar(
    { format: ' {stream} [{bar}] {value}/{total} blocks | {rows} rows | {rate} blocks/s | ETA {eta_formatted}', hideCursor: true, stream: out },
    cliProgress.Presets.shades_classic,
  );
  const byStream = new Map(Object.entries(first.streams).map(([key, s]) => [key, bars.create(total(s, from), 0, { stream: key.padEnd(14), rows: 0, rate: '-' })]));
  try {
    for (;;) {
      const status = await jobs.status(idOrName);
      for (const [key, s] of Object.entries(status.streams)) {
        const bar = byStream.get(key);
        bar?.setTotal(total(s, from));
        bar?.update(s.blocks_done, { rows: s.rows, rate: s.blocks_per_s ?? '-' });
      }
      if (done(status)) return status;
      await delay(POLL_MS);
    }
  } finally {
    bars.stop();
  }
}
