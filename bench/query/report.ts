/** The benchmark's result: one JSON object (stdout with --json) and a table (stderr). */
import type { AnalyticFigures } from './measure.js';
import type { PoolColdStart } from './poolColdStart.js';

export const WARM_TARGET_MS = 1_000;
export const OVERHEAD_TARGET = 1.5;

export interface QueryBenchResult {
  bench: 'query';
  blocks: number;
  seed: number;
  runs: number;
  range_blocks: number;
  sample_step: number;
  rows: { blocks: number; transactions: number; logs: number; balances: number };
  files: Record<string, { files: number; bytes: number }>;
  setup: { generate_s: number; commit_s: number; tasks: number; hot_rows_in_postgres: Record<string, number> };
  /** Part of every cold figure: a fresh pool thread and DuckDB loaded in it (SELECT 1 jobs). */
  cold_start: PoolColdStart;
  analytics: Record<string, AnalyticFigures>;
  ratio: {
    /** The largest ratio over the analytics (the target is per analytic). */
    service_vs_direct_duckdb: number;
    aggregate: 'max';
    geometric_mean: number;
  };
  targets: { warm_under_1s: boolean; overhead_le_1_5: boolean; warm_target_ms: number; overhead_target: number };
  answers_equal: true;
  runtime_s: number;
}

export function summarise(analytics: Record<string, AnalyticFigures>): Pick<QueryBenchResult, 'ratio' | 'targets'> {
  const figures = Object.values(analytics);
  const ratios = figures.map((f) => f.ratio_service_vs_direct);
  const max = Math.max(...ratios);
  const geomean = Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length);
  return {
    ratio: { service_vs_direct_duckdb: max, aggregate: 'max', geometric_mean: Math.round(geomean * 100) / 100 },
    targets: {
      warm_under_1s: figures.every((f) => f.warm_ms < WARM_TARGET_MS),
      overhead_le_1_5: max <= OVERHEAD_TARGET,
      warm_target_ms: WARM_TARGET_MS,
      overhead_target: OVERHEAD_TARGET,
    },
  };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (n: number): string => n.toFixed(1);

export function formatTables(result: QueryBenchResult): string {
  const entries = Object.entries(result.analytics);
  const main = table(
    ['analytic', 'cold ms', 'warm ms', 'direct ms', 'ratio', 'hot rows', 'files', 'rows'],
    entries.map(([name, f]) => [name, ms(f.cold_ms), ms(f.warm_ms), ms(f.direct_ms), f.ratio_service_vs_direct.toFixed(2), String(f.hot_rows), String(f.cold_files), String(f.result_rows)]),
  );
  const breakdown = table(
    ['warm service, ms', 'gate', 'pin', 'hold', 'fresh setup', 'query', 'vs reused', 'thread hop', 'pool rtt', 'rest', 'cold fetch'],
    entries.map(([name, f]) => {
      const b = f.breakdown;
      return [
        name,
        ms(b.gate_ms),
        ms(b.pin_ms),
        ms(b.cache_hold_ms),
        ms(b.fresh_duckdb_setup_ms),
        ms(b.query_in_fresh_duckdb_ms),
        ms(b.fresh_vs_reused_instance_ms),
        ms(b.thread_hop_ms),
        ms(b.pool_round_trip_ms),
        ms(b.unaccounted_ms),
        ms(b.cold_fetch_ms),
      ];
    }),
  );
  const { ratio, targets } = result;
  return [
    `${result.blocks} blocks: ${result.rows.blocks} blocks, ${result.rows.transactions} transactions, ${result.rows.logs} logs, ${result.rows.balances} balances rows`,
    main,
    '',
    'where the warm service time goes (medians; query = in a fresh instance, vs reused = its excess over the direct run; rest = service − gate − pin − hold − pool job):',
    breakdown,
    '',
    `ratio.service_vs_direct_duckdb ${ratio.service_vs_direct_duckdb} (max; geometric mean ${ratio.geometric_mean}); ` +
      `warm < ${targets.warm_target_ms} ms each: ${targets.warm_under_1s ? 'met' : 'NOT met'}; overhead ≤ ${targets.overhead_target}×: ${targets.overhead_le_1_5 ? 'met' : 'NOT met'}`,
  ].join('\n');
}
