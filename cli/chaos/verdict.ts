/**
 * A kind's row of the report and the suite's verdict: the counters (each must be 0) and
 * data_identical (must be true), with the kind, the broken invariant and the seed to reproduce it.
 */
import type { Damage } from './damage.js';
import type { KindRunResult } from './kindRun.js';

/** The kind's damage (its cases aside), with how the run went around it. */
export type FaultRow = { kind: string; injections: number } & Omit<Damage, 'problems'> & {
  supervisor_gave_up: number;
  recovery_s_p50: number;
  recovery_s_max: number;
};

/** The counters that must be 0 (tasks_retried and injections only describe the run). */
export const MUST_BE_ZERO = [
  'tasks_lost',
  'ranges_lost',
  'ranges_double_registered',
  'overlapping_versions',
  'untracked_objects',
  'stale_cold_files',
  'hot_rows_mismatch',
  'running_with_lapsed_lease',
  'outbox_parked',
  'dead_letters_not_poison',
  'query_mismatch',
  'supervisor_gave_up',
] as const satisfies readonly (keyof FaultRow)[];

export function faultRow(result: KindRunResult): FaultRow {
  const seconds = result.recoveryMs.map((ms) => ms / 1000).sort((a, b) => a - b);
  const { problems: _problems, ...damage } = result.damage;
  return {
    kind: result.kind,
    injections: result.injections,
    ...damage,
    supervisor_gave_up: result.supervisor_gave_up,
    recovery_s_p50: round(seconds[Math.floor((seconds.length - 1) / 2)] ?? 0),
    recovery_s_max: round(seconds.at(-1) ?? 0),
  };
}

/** Each invariant a kind broke, as `kind: invariant (count)`, with its first cases. */
export function breaches(result: KindRunResult): string[] {
  const row = faultRow(result);
  const broken = MUST_BE_ZERO.filter((c) => row[c] !== 0).map((c) => `${row.kind}: ${c} = ${row[c]}`);
  if (!row.data_identical) broken.push(`${row.kind}: data_identical = false`);
  if (broken.length === 0) return [];
  return [...broken, ...result.damage.problems.map((p) => `    ${p}`)];
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
