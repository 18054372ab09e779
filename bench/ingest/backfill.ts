/**
 * Backfill far below the tip, two ways, on one seeded devnet: (a) as the planner does it, ranges
 * more than the hot retention below the target written cold only, at the compaction size (1,000
 * blocks, aligned); (b) small ranges with hot rows (every range in the hot tier), then compaction
 * merging them into the same 1,000-block files behind the sync. Usage:
 *   node dist/bench/ingest/backfill.js [--json] [--blocks N] [--chunk-size N] [--seed N]
 * Streams blocks, transactions and logs, 2 ranges in flight each; (b) is its sync plus the time the
 * compaction of what it wrote takes (the planner's own duty and tasks, on the same node). The last
 * stdout line is one JSON object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Compactions } from '../../actors/state/compactions.js';
import type { Runtime } from '../../actors/node/context.js';
import { startDevnet } from '../../drivers/devnet/devnet.js';
import { positiveIntOption } from '../options.js';
import { round1 } from '../queue/stats.js';
import { log } from '../stderr.js';
import { fullRound } from './fullRound.js';
import { MAIN_STREAMS, type RoundSpec } from './roundSpec.js';

/** Retention of round (a): the newest 100 blocks hot, so nearly all of the devnet is far below the tip. */
const BACKFILL_RETENTION = 100;
/** How often round (b) looks whether compaction has caught up. */
const COMPACTION_POLL_MS = 100;

/** Live versions per dataset, as queries would read them. */
async function liveFiles(rt: Runtime): Promise<Record<string, number>> {
  const { rows } = await rt.db.query<{ dataset: string; n: number }>('SELECT dataset, count(*)::int AS n FROM dataset_versions WHERE superseded_at IS NULL GROUP BY 1');
  return Object.fromEntries(rows.map((r) => [r.dataset, r.n]));
}

/** Compacts what round (b) wrote below the retention of round (a), with the node's workers; returns the seconds it took. */
async function compactBehind(rt: Runtime, chainId: number): Promise<number> {
  const compactions = new Compactions(rt.db, rt.tasks, { retentionBlocks: BACKFILL_RETENTION, blocks: rt.config.compactionBlocks, bytes: rt.config.compactionBytes });
  const started = performance.now();
  for (;;) {
    const planned = await compactions.planOnce({ maxInFlight: 2 });
    const tiers = Object.values(await compactions.tiers(chainId, MAIN_STREAMS));
    if (planned.length === 0 && tiers.every((t) => t.backlog.in_flight === 0)) {
      const seconds = (performance.now() - started) / 1000;
      const { rows } = await rt.db.query<{ d: string; s: string; run_s: number; wait_s: number }>(
        `SELECT t.params->>'dataset' AS d, t.params->>'start' AS s, extract(epoch FROM a.ended_at - a.started_at)::float8 AS run_s,
                extract(epoch FROM a.started_at - t.created_at)::float8 AS wait_s
         FROM tasks t JOIN task_attempts a USING (task_id) WHERE t.operator = 'compact' ORDER BY t.task_id`,
      );
      for (const r of rows) log(`  compact ${r.d} from ${r.s}: ${r.run_s.toFixed(2)} s, waited ${r.wait_s.toFixed(2)} s`);
      return seconds;
    }
    await sleep(COMPACTION_POLL_MS);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, blocks: { type: 'string' }, 'chunk-size': { type: 'string' }, seed: { type: 'string' } } });
  const blocks = positiveIntOption(values.blocks, 3_000, 'blocks');
  const chunkSize = positiveIntOption(values['chunk-size'], 50, 'chunk-size');
  const devnetDir = await mkdtemp(path.join(tmpdir(), 'trace-bench-backfill-devnet-'));
  const devnet = await startDevnet({ dataDir: devnetDir, blocks, seed: positiveIntOption(values.seed, 1, 'seed'), log });
  try {
    const { rpc_url: url, last_block: lastBlock, chain_id: chainId } = devnet.description;
    const spec: RoundSpec = { url, chainId, datasets: MAIN_STREAMS, end: lastBlock + 1, chunkSize, maxInflight: 2 };
    let coldFiles: Record<string, number> = {};
    const cold = await fullRound(spec, { config: { hotRetentionBlocks: BACKFILL_RETENTION }, afterSync: async (rt) => void (coldFiles = await liveFiles(rt)) });
    log(`(a) cold at the compaction size: ${cold.seconds.toFixed(1)} s, ${cold.breakdown.ranges} ranges, files ${JSON.stringify(coldFiles)}`);
    let compactS = 0;
    let compactedFiles: Record<string, number> = {};
    const small = await fullRound(spec, {
      config: { hotRetentionBlocks: spec.end + 1 },
      afterSync: async (rt) => {
        compactS = await compactBehind(rt, chainId);
        compactedFiles = await liveFiles(rt);
      },
    });
    log(`(b) small hot ranges ${small.seconds.toFixed(1)} s + compaction ${compactS.toFixed(1)} s, ${small.breakdown.ranges} ranges, files ${JSON.stringify(compactedFiles)}`);
    const rate = (seconds: number): number => round1((spec.end * MAIN_STREAMS.length) / seconds);
    const result = {
      bench: 'backfill',
      blocks: spec.end,
      streams: MAIN_STREAMS,
      chunk_size: chunkSize,
      cold_at_compaction_size: { seconds: round1(cold.seconds), blocks_per_s: rate(cold.seconds), ranges: cold.breakdown.ranges, files: coldFiles },
      small_then_compacted: {
        seconds: round1(small.seconds + compactS),
        sync_s: round1(small.seconds),
        compaction_s: round1(compactS),
        blocks_per_s: rate(small.seconds + compactS),
        ranges: small.breakdown.ranges,
        files: compactedFiles,
      },
      ratio: Math.round(((small.seconds + compactS) / cold.seconds) * 100) / 100,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await devnet.stop().catch(() => undefined);
    await rm(devnetDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
