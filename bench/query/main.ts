/**
 * Query benchmark: each stored analytic over a synthetic Monad-shaped window, on the Query
 * Service cold (fresh service, empty cache) and warm, against DuckDB reading the same registered
 * files directly in the same process (`ratio.service_vs_direct_duckdb`); and the tip query (the
 * newest 5 blocks with their transaction counts) warm at 5,000 blocks of history and at the whole
 * window. Usage:
 *   node dist/bench/query/main.js [--json] [--blocks N] [--runs N] [--seed N] [--range-blocks N] [--hot-blocks N]
 *
 * The chain (bench/query/chain.ts) is committed the real way into a fresh installation: a node
 * in this process runs one task per (dataset, 1,000-block range) that stages Parquet and commits it
 * fenced, the newest --hot-blocks (the hot retention, default TRACE_HOT_RETENTION_BLOCKS's) with hot
 * rows too: first the first 5,000 blocks (the tip is measured there), then the rest, after which
 * the hot rows of the older ranges are trimmed as the janitor would. The analytics read the whole
 * window, which reaches below the hot tier, so they read files only (hot rows read: 0, printed).
 * Every answer is checked against the generator's totals and the service's and DuckDB's answers
 * must be equal. The tip's time is broken down by step at both history lengths (tip.ts). Targets:
 * warm < 1 s each; service ≤ 1.3× direct DuckDB; tip ≤ 20 ms warm and at the whole window ≤ 1.2× its
 * time at 5,000 blocks; ≤ 60 files per dataset in the window. The last stdout line is one JSON
 * object with --json; the table goes to stderr.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { positiveIntOption } from '../options.js';
import { round1 } from '../queue/stats.js';
import { log } from '../stderr.js';
import { analyticCases } from './analytics.js';
import { SyntheticChain } from './chain.js';
import { CHAIN_ID } from './chainParameters.js';
import { Measurer, measureAnalytic, type AnalyticFigures } from './measure.js';
import { measurePoolColdStart } from './poolColdStart.js';
import { formatTables, summarise, tipFigures, type QueryBenchResult } from './report.js';
import { commitChain, hotRowCounts, openInstallation, type Installation } from './setup.js';
import { measureTip } from './tip.js';
import { trimHotRows } from '../../actors/state/hotRows.js';
import { loadConfig } from '../../runtime/config.js';

interface Options {
  json: boolean;
  blocks: number;
  runs: number;
  seed: number;
  rangeBlocks: number;
  hotBlocks: number;
}

/** Series (supplies, balance history) sample about this many blocks of the window. */
const SERIES_POINTS = 50;
/** The tip is measured here and at the whole window: its time must not grow with the history. */
const TIP_BASELINE_BLOCKS = 5_000;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      blocks: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      'range-blocks': { type: 'string' },
      'hot-blocks': { type: 'string' },
    },
  });
  const runs = positiveIntOption(values.runs, 7, 'runs');
  if (runs < 5) throw new Error('--runs must be at least 5 (medians of ≥ 5 warm runs)');
  return {
    json: values.json ?? false,
    blocks: positiveIntOption(values.blocks, 50_000, 'blocks'),
    runs,
    seed: positiveIntOption(values.seed, 1, 'seed'),
    rangeBlocks: positiveIntOption(values['range-blocks'], 1_000, 'range-blocks'),
    hotBlocks: positiveIntOption(values['hot-blocks'], loadConfig({}).hotRetentionBlocks, 'hot-blocks'),
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const startedAll = performance.now();

  let t = performance.now();
  const chain = new SyntheticChain({
    seed: options.seed,
    blocks: options.blocks,
    rangeBlocks: options.rangeBlocks,
    sampleStep: Math.max(1, Math.floor(options.blocks / SERIES_POINTS)),
  });
  const generateS = (performance.now() - t) / 1000;
  const truth = chain.truth;
  log(
    `synthetic chain: ${options.blocks} blocks, ${truth.rows.transactions} transactions, ${truth.rows.logs} logs, ` +
      `${truth.rows.geth_balance_diffs} balance diffs (state pass ${generateS.toFixed(1)} s)`,
  );

  let inst: Installation | undefined;
  let measurer: Measurer | undefined;
  const cleanUp = async (): Promise<void> => {
    measurer?.close();
    measurer = undefined;
    const closing = inst;
    inst = undefined;
    await closing?.close();
  };
  const onSignal = (): void => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const opened = await openInstallation(chain, CHAIN_ID, options.hotBlocks);
    inst = opened.inst;
    t = performance.now();
    const baseline = Math.min(options.blocks, Math.ceil(TIP_BASELINE_BLOCKS / options.rangeBlocks) * options.rangeBlocks);
    const first = await commitChain(inst, chain, { from: 0, to: baseline, hotFrom: baseline - options.hotBlocks }, log);
    const service = await inst.rt.query();
    const tipAtBaseline = await measureTip(inst, service, chain, baseline - 1);
    log(`tip at ${baseline} blocks: ${tipAtBaseline.warm_ms} ms warm (${tipAtBaseline.cold_files} cold files, ${tipAtBaseline.hot_rows} hot rows)`);
    const rest = baseline < options.blocks ? await commitChain(inst, chain, { from: baseline, to: options.blocks, hotFrom: options.blocks - options.hotBlocks }, log) : undefined;
    await trimHotRows(inst.rt.db, inst.schemas.data, options.hotBlocks);
    const committed = {
      registered: (rest ?? first).registered,
      tasks: first.tasks + (rest?.tasks ?? 0),
      seconds: first.seconds + (rest?.seconds ?? 0),
      hotRows: await hotRowCounts(inst),
    };
    log(`committed ${committed.tasks} (dataset, range) tasks in ${committed.seconds.toFixed(1)} s; hot rows in Postgres ${JSON.stringify(committed.hotRows)}`);
    // Both tip figures with the node still running (its duties idle), so they differ only in history.
    const tip = tipFigures(await measureTip(inst, service, chain, truth.lastBlock), tipAtBaseline, baseline);
    log(`tip at ${options.blocks} blocks: ${tip.warm_ms} ms warm (${tip.ratio_vs_5000_blocks}× the time at ${baseline}; ${tip.cold_files} cold files, ${tip.hot_rows} hot rows)`);
    await inst.stopNode();
    for (const [dataset, expected] of Object.entries(truth.rows)) {
      const got = committed.registered[dataset as keyof typeof committed.registered].rows;
      if (got !== expected) throw new Error(`${dataset}: ${got} rows registered, the generator made ${expected}`);
    }

    const cases = analyticCases(chain, CHAIN_ID);
    measurer = await Measurer.open(inst, options.runs);
    // Cold first, each on its own fresh service, before anything else reads the files again.
    const colds = new Map<string, Awaited<ReturnType<Measurer['cold']>>>();
    for (const c of cases) {
      const cold = await measurer.cold(c);
      c.check(cold.result);
      if (cold.result.stats.cacheHits !== 0) throw new Error(`${c.key}: the cold run found ${cold.result.stats.cacheHits} cached files`);
      colds.set(c.key, cold);
      log(`  ${c.key}: cold ${cold.ms.toFixed(0)} ms (${cold.result.stats.coldFiles} files fetched)`);
    }
    const coldStart = await measurePoolColdStart(inst);
    log(`  a fresh query process: first query job ${coldStart.first_query_job_ms} ms after the service opened, next ${coldStart.next_query_job_ms} ms`);
    const analytics: Record<string, AnalyticFigures> = {};
    for (const c of cases) {
      const figures = await measureAnalytic(measurer, c, colds.get(c.key)!);
      analytics[c.key] = figures;
      log(`  ${c.key}: warm ${figures.warm_ms} ms, direct ${figures.direct_ms} ms, ratio ${figures.ratio_service_vs_direct}, hot rows read ${figures.hot_rows}`);
    }

    const files = Object.fromEntries(Object.entries(committed.registered).map(([d, r]) => [d, { files: r.files, bytes: r.bytes }]));
    const result: QueryBenchResult = {
      bench: 'query',
      blocks: options.blocks,
      seed: options.seed,
      runs: options.runs,
      range_blocks: options.rangeBlocks,
      sample_step: chain.sampleStep,
      rows: truth.rows,
      files,
      setup: { generate_s: round1(generateS), commit_s: round1(committed.seconds), tasks: committed.tasks, hot_rows_in_postgres: committed.hotRows },
      cold_start: coldStart,
      tip,
      analytics,
      ...summarise(analytics, files),
      answers_equal: true,
      runtime_s: 0,
    };
    await cleanUp();
    result.runtime_s = round1((performance.now() - startedAll) / 1000);
    log(formatTables(result));
    log(`runtime ${result.runtime_s} s`);
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
