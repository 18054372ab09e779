/**
 * The steady-state round: sustained produce + consume with autovacuum on and no manual VACUUM,
 * consumed messages per window over time and the tables' size at the end. It runs on a private
 * embedded PostgreSQL 17 (autovacuum at its defaults) in a temporary directory, because the
 * shared server's autovacuum may be off (it is on the development machine) and turning it on
 * there would change every other user's database.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { dataDirLayout } from '../../drivers/postgres/embedded/dataDirLayout.js';
import { openSharedServer } from '../../drivers/postgres/embedded/sharedServer.js';
import { withClient, type Cleanups } from './database.js';
import { payloads, perSecond, progress, sleep } from './stats.js';
import type { QueueSubject } from './workload.js';

export interface SteadyShape {
  seconds: number;
  /** Throughput is reported per window of this many seconds (the last against the first). */
  windowSeconds: number;
  /**
   * Producers publish only while fewer than this many messages wait, so the queue holds the
   * batched phases' backlog (20,000) and the consumers, not the producers, set the pace.
   */
  backlog: number;
  /** Producers, and as many consumers; they share the subject's pool of this many connections. */
  workers: number;
  batch: number;
}

export interface SteadyResult {
  /** Messages consumed (received and acked) per second, one figure per window. */
  consume_per_s_by_window: number[];
  last_vs_first: number;
  /** Heap, indexes and TOAST of the subject's tables once the round stops. */
  table_bytes_end: number;
  dead_rows_end: number;
  autovacuum_runs: number;
}

/** Starts the private PostgreSQL 17; its stop and the removal of its directory are registered as cleanups. */
export async function steadyDatabase(cleanups: Cleanups): Promise<{ url: string; version: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'trace-lite-bench-steady-'));
  cleanups.add('remove steady-state cluster', () => rm(dir, { recursive: true, force: true }));
  // mkdtemp makes the directory 0700; run as root, the server runs as user postgres, which must
  // reach its cluster inside (the cluster directory itself is 0700 and the server's own).
  await chmod(dir, 0o755);
  const server = await openSharedServer(dataDirLayout(dir), () => undefined);
  cleanups.add('stop steady-state PostgreSQL', () => server.stop());
  const version = await withClient(server.url, async (c) => {
    const { rows } = await c.query<{ v: string; autovacuum: string }>(
      `SELECT current_setting('server_version') AS v, current_setting('autovacuum') AS autovacuum`,
    );
    if (rows[0]?.autovacuum !== 'on') throw new Error('the steady-state round needs autovacuum on');
    return rows[0].v.split(' ')[0] ?? 'unknown';
  });
  return { url: server.url, version };
}

async function tableStats(url: string, tables: readonly string[]): Promise<Pick<SteadyResult, 'table_bytes_end' | 'dead_rows_end' | 'autovacuum_runs'>> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ bytes: number; dead: number; runs: number }>(
      `SELECT coalesce(sum(pg_total_relation_size(t.oid)), 0)::float8 AS bytes,
              coalesce(sum(s.n_dead_tup), 0)::float8 AS dead, coalesce(sum(s.autovacuum_count), 0)::float8 AS runs
       FROM unnest($1::regclass[]) AS t(oid) LEFT JOIN pg_stat_user_tables s ON s.relid = t.oid`,
      [tables],
    );
    const r = rows[0]!;
    return { table_bytes_end: r.bytes, dead_rows_end: r.dead, autovacuum_runs: r.runs };
  });
}

/** Runs `shape.seconds` of produce + consume on `subject` after filling it to the backlog (untimed). */
export async function steadyRound(url: string, subject: QueueSubject, shape: SteadyShape): Promise<SteadyResult> {
  const chunk = payloads(shape.batch);
  for (let filled = 0; filled < shape.backlog; filled += shape.batch) await subject.enqueueBatch(chunk);
  let produced = shape.backlog;
  let consumed = 0;
  let stopped = false;
  const producer = async (): Promise<void> => {
    while (!stopped) {
      if (produced - consumed >= shape.backlog) {
        await sleep(1);
        continue;
      }
      produced += chunk.length;
      await subject.enqueueBatch(chunk);
    }
  };
  const consumer = async (): Promise<void> => {
    while (!stopped) {
      const got = await subject.consume(shape.batch);
      consumed += got;
      if (got === 0) await sleep(1);
    }
  };
  const loops = Array.from({ length: shape.workers }, () => [producer(), consumer()]).flat();
  const perWindow: number[] = [];
  try {
    const windows = Math.max(1, Math.round(shape.seconds / shape.windowSeconds));
    for (let w = 0; w < windows; w++) {
      const [from, start] = [consumed, performance.now()];
      await sleep(shape.windowSeconds * 1000);
      perWindow.push(perSecond(consumed - from, performance.now() - start));
      progress(`steady ${subject.name}: window ${w + 1}/${windows} ${Math.round(perWindow.at(-1)!)} msg/s`);
    }
  } finally {
    stopped = true;
    await Promise.all(loops);
    await subject.acksSettled();
  }
  return {
    consume_per_s_by_window: perWindow,
    last_vs_first: perWindow.at(-1)! / perWindow[0]!,
    ...(await tableStats(url, subject.wal?.tables ?? [])),
  };
}
