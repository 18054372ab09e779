/** The benchmark's result: one JSON object (stdout with --json) and a table (stderr). */
import type { AnalyticFigures } from './measure.js';
import type { PoolColdStart } from './poolColdStart.js';
import type { TipBreakdown, TipRun } from './tip.js';

export const WARM_TARGET_MS = 1_000;
/** Issue 13: the service at most 1.3× DuckDB reading the same files, for every analytic. */
export const OVERHEAD_TARGET = 1.3;
/** Issue 16: the tip query warm, and its growth from 5,000 blocks of history to the whole window. */
export const TIP_TARGET_MS = 20;
export const TIP_GROWTH_TARGET = 1.2;
/** Issue 16: a 50,000-block window reads at most this many files per dataset (Cryo-sized files, not 100-block ones). */
export const FILES_PER_DATASET_TARGET = 60;

/** The tip query at the whole window (warm_ms) and at 5,000 blocks of history. */
export interface TipFigures extends TipRun {
  warm_ms_at_5000_blocks: number;
  runs_ms_at_5000_blocks: number[];
  breakdown_at_5000_blocks: TipBreakdown;
  /** The history length of that baseline (5,000 blocks, or the whole window if shorter). */
  baseline_blocks: number;
  ratio_vs_5000_blocks: number;
  targets: { warm_le_20_ms: boolean; growth_le_1_2: boolean; no_cold_file: boolean };
}

export function tipFigures(run: TipRun, baseline: TipRun, baselineBlocks: number): TipFigures {
  const ratio = Math.round((run.warm_ms / baseline.warm_ms) * 100) / 100;
  return {
    ...run,
    warm_ms_at_5000_blocks: baseline.warm_ms,
    runs_ms_at_5000_blocks: baseline.runs_ms,
    breakdown_at_5000_blocks: baseline.breakdown,
    baseline_blocks: baselineBlocks,
    ratio_vs_5000_blocks: ratio,
    targets: { warm_le_20_ms: run.warm_ms <= TIP_TARGET_MS, growth_le_1_2: ratio <= TIP_GROWTH_TARGET, no_cold_file: run.cold_files === 0 },
  };
}

export interface QueryBenchResult {
  bench: 'query';
  blocks: number;
  seed: number;
  runs: number;
  range_blocks: number;
  sample_step: number;
  rows: { blocks: number; transactions: number; logs: number; geth_balance_diffs: number };
  files: Record<string, { files: number; bytes: number }>;
  setup: { generate_s: number; commit_s: number; tasks: number; hot_rows_in_postgres: Record<string, number> };
  /** Part of every cold figure: a fresh query process and DuckDB loaded in it (SELECT 1 jobs). */
  cold_start: PoolColdStart;
  tip: TipFigures;
  analytics: Record<string, AnalyticFigures>;
  ratio: {
    /** The largest ratio over the analytics (the target is per analytic). */
    service_vs_direct_duckdb: number;
    aggregate: 'max';
    geometric_mean: number;
  };
  targets: {
    warm_under_1s: boolean;
    overhead_le_1_3: boolean;
    warm_target_ms: number;
    overhead_target: number;
    /** Every dataset's window reads at most FILES_PER_DATASET_TARGET files. */
    files_per_dataset_le_60: boolean;
  };
  answers_equal: true;
  runtime_s: number;
}

export function summarise(analytics: Record<string, AnalyticFigures>, files: QueryBenchResult['files']): Pick<QueryBenchResult, 'ratio' | 'targets'> {
  const figures = Object.values(analytics);
  const ratios = figures.map((f) => f.ratio_service_vs_direct);
  const max = Math.max(...ratios);
  const geomean = Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length);
  return {
    ratio: { service_vs_direct_duckdb: max, aggregate: 'max', geometric_mean: Math.round(geomean * 100) / 100 },
    targets: {
      warm_under_1s: figures.every((f) => f.warm_ms < WARM_TARGET_MS),
      overhead_le_1_3: max <= OVERHEAD_TARGET,
      warm_target_ms: WARM_TARGET_MS,
      overhead_target: OVERHEAD_TARGET,
      files_per_dataset_le_60: Object.values(files).every((f) => f.files <= FILES_PER_DATASET_TARGET),
    },
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (n: number): string => n.toFixed(1);

function tipRow(label: string, b: TipBreakdown): string[] {
  return [label, ms(b.bind_ms), ms(b.pin_ms), ms(b.pool_job_ms), ms(b.bare_job_ms), ms(b.hot_setup_ms), ms(b.query_ms), ms(b.rest_ms)];
}

export function formatTables(result: QueryBenchResult): string {
  const entries = Object.entries(result.analytics);
  const main = table(
    ['analytic', 'cold ms', 'warm ms', 'direct ms', 'ratio', 'hot rows', 'files', 'rows'],
    entries.map(([name, f]) => [name, ms(f.cold_ms), ms(f.warm_ms), ms(f.direct_ms), f.ratio_service_vs_direct.toFixed(2), String(f.hot_rows), String(f.cold_files), String(f.result_rows)]),
  );
  const breakdown = table(
    ['warm service, ms', 'gate', 'pin', 'hold', 'conn setup', 'query', 'vs direct', 'process rtt', 'rest', 'cold fetch'],
    entries.map(([name, f]) => {
      const b = f.breakdown;
      return [
        name,
        ms(b.gate_ms),
        ms(b.pin_ms),
        ms(b.cache_hold_ms),
        ms(b.connection_setup_ms),
        ms(b.query_in_process_ms),
        ms(b.query_vs_direct_ms),
        ms(b.process_round_trip_ms),
        ms(b.unaccounted_ms),
        ms(b.cold_fetch_ms),
      ];
    }),
  );
  const { ratio, targets, tip } = result;
  const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  return [
    `${result.blocks} blocks: ${result.rows.blocks} blocks, ${result.rows.transactions} transactions, ${result.rows.logs} logs, ${result.rows.geth_balance_diffs} balance diffs`,
    main,
    '',
    'where the warm service time goes (medians; conn setup = a SELECT 1 job over the same relations, query = the job beyond it, vs direct = its excess over the direct run; rest = service − gate − pin − hold − job):',
    breakdown,
    '',
    `ratio.service_vs_direct_duckdb ${ratio.service_vs_direct_duckdb} (max; geometric mean ${ratio.geometric_mean}); ` +
      `warm < ${targets.warm_target_ms} ms each: ${met(targets.warm_under_1s)}; overhead ≤ ${targets.overhead_target}×: ${met(targets.overhead_le_1_3)}`,
    `tip (newest 5 blocks with their transaction counts): ${ms(tip.warm_ms)} ms warm at ${result.blocks} blocks, ${ms(tip.warm_ms_at_5000_blocks)} ms at ${tip.baseline_blocks} ` +
      `(${tip.ratio_vs_5000_blocks}×), ${tip.cold_files} cold files, ${tip.hot_rows} hot rows; ≤ ${TIP_TARGET_MS} ms: ${met(tip.targets.warm_le_20_ms)}; ` +
      `≤ ${TIP_GROWTH_TARGET}×: ${met(tip.targets.growth_le_1_2)}`,
    table(
      ['tip query, ms', 'bind', 'pin', 'pool job', 'bare job', 'hot setup', 'query', 'rest'],
      [tipRow(`at ${tip.baseline_blocks} blocks`, tip.breakdown_at_5000_blocks), tipRow(`at ${result.blocks} blocks`, tip.breakdown)],
    ),
    `files per dataset in the window: ${Object.entries(result.files).map(([d, f]) => `${d} ${f.files}`).join(', ')}; ≤ ${FILES_PER_DATASET_TARGET}: ${met(targets.files_per_dataset_le_60)}`,
  ].join('\n');
}
