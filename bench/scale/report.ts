/** The scale-out benchmark's result: medians per worker count, efficiency against linear, the table. */
import { medianBreakdown, type Breakdown } from '../ingest/breakdown.js';
import { median, round1, round3 } from '../queue/stats.js';
import { log } from '../stderr.js';
import type { ScaleOptions } from './options.js';
import type { RoundResult } from './round.js';

interface ByWorkers {
  workers: number;
  seconds: number;
  blocks_per_s: number;
  /** blocks_per_s / blocks_per_s with one worker. */
  speedup: number;
  /** speedup / workers: 1 is linear. */
  efficiency: number;
  connections: { peak_open: number; peak_active: number; peak_per_worker_process: number; peak_dispatcher_process: number; peak_by_purpose: Record<string, number> };
  cpu_s: RoundResult['cpu_s'];
  machine_busy: number;
  breakdown: Breakdown;
}

export interface ScaleResult {
  bench: 'scale';
  blocks: number;
  streams: string[];
  chunk_size: number;
  max_inflight: number;
  rounds: number;
  by_workers: ByWorkers[];
  /** A worker count whose median rate is below one worker's. */
  slows_down: boolean;
  /** Every round's outbox drained, ranges registered once, no lapsed leases. */
  invariants_held: boolean;
  broken_invariants: string[];
  runtime_s: number;
  raw: RoundResult[];
}

export function scaleResult(options: ScaleOptions, rounds: RoundResult[], runtimeS: number): ScaleResult {
  const m = (list: RoundResult[], pick: (r: RoundResult) => number): number => median(list.map(pick));
  const byWorkers: ByWorkers[] = options.workers.map((workers) => {
    const list = rounds.filter((r) => r.workers === workers);
    const perProcess = (r: RoundResult, name: RegExp) => Math.max(0, ...Object.entries(r.connections.peak_open_by_process).filter(([n]) => name.test(n)).map(([, c]) => c));
    const purposes = [...new Set(list.flatMap((r) => Object.keys(r.connections.peak_open_by_purpose)))];
    return {
      workers,
      seconds: round1(m(list, (r) => r.seconds)),
      blocks_per_s: round1(m(list, (r) => r.blocks_per_s)),
      speedup: 0,
      efficiency: 0,
      connections: {
        peak_open: m(list, (r) => r.connections.peak_open),
        peak_active: m(list, (r) => r.connections.peak_active),
        peak_per_worker_process: m(list, (r) => perProcess(r, /^worker(-\d+)?$/)),
        peak_dispatcher_process: m(list, (r) => perProcess(r, /^dispatcher$/)),
        peak_by_purpose: Object.fromEntries(purposes.map((p) => [p, m(list, (r) => r.connections.peak_open_by_purpose[p] ?? 0)])),
      },
      cpu_s: {
        workers: round1(m(list, (r) => r.cpu_s.workers)),
        dispatcher: round1(m(list, (r) => r.cpu_s.dispatcher)),
        anvil: list.some((r) => r.cpu_s.anvil === null) ? null : round1(m(list, (r) => r.cpu_s.anvil!)),
        rest: round1(m(list, (r) => r.cpu_s.rest)),
      },
      machine_busy: round3(m(list, (r) => r.machine_busy)),
      breakdown: medianBreakdown(list.map((r) => r.breakdown)),
    };
  });
  const base = byWorkers[0]!.blocks_per_s;
  for (const b of byWorkers) {
    b.speedup = round3(b.blocks_per_s / base);
    b.efficiency = round3(b.speedup / b.workers);
  }
  const broken = rounds.flatMap((r) => r.broken_invariants.map((i) => `${r.workers} worker(s): ${i}`));
  return {
    bench: 'scale',
    blocks: rounds[0]?.blocks ?? 0,
    streams: ['blocks', 'transactions', 'logs'],
    chunk_size: options.chunkSize,
    max_inflight: options.maxInflight,
    rounds: options.rounds,
    by_workers: byWorkers,
    slows_down: byWorkers.some((b) => b.blocks_per_s < base),
    invariants_held: broken.length === 0,
    broken_invariants: broken,
    runtime_s: runtimeS,
    raw: rounds,
  };
}

export function logTable(result: ScaleResult): void {
  log(`\nscale-out: ${result.blocks} blocks × ${result.streams.length} streams, ${result.chunk_size}-block ranges, ${result.max_inflight} in flight per stream; medians of ${result.rounds}`);
  log('workers  seconds  blocks/s  speedup  efficiency  connections peak (all / per worker / dispatcher)  CPU s (workers / dispatcher / anvil / rest)  machine busy  attempt ms  queue wait ms');
  for (const b of result.by_workers) {
    const c = b.connections;
    log(
      `${String(b.workers).padStart(7)}  ${String(b.seconds).padStart(7)}  ${String(b.blocks_per_s).padStart(8)}  ${b.speedup.toFixed(2).padStart(7)}  ${b.efficiency.toFixed(2).padStart(10)}  ` +
        `${`${c.peak_open} / ${c.peak_per_worker_process} / ${c.peak_dispatcher_process}`.padEnd(50)}  ` +
        `${`${b.cpu_s.workers} / ${b.cpu_s.dispatcher} / ${b.cpu_s.anvil ?? '-'} / ${b.cpu_s.rest}`.padEnd(44)}  ${`${Math.round(b.machine_busy * 100)} %`.padStart(12)}  ` +
        `${String(b.breakdown.attempt_ms).padStart(10)}  ${String(b.breakdown.queue_wait_ms).padStart(13)}`,
    );
  }
  log(result.invariants_held ? 'invariants: held in every round' : `invariants BROKEN: ${result.broken_invariants.join('; ')}`);
}
