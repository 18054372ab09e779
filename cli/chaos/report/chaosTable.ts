/** The suite's result as a text table (one row per kind), its JSON line, and its verdict lines. */
import type { ChaosOutcome } from '../runChaos.js';
import { faultRow, MUST_BE_ZERO, type FaultRow } from '../verdict.js';

/** The table's columns: the counters that must be 0 in the JSON line's order, between what describes the run. */
const COLUMNS: readonly (keyof FaultRow)[] = ['kind', 'injections', 'tasks_retried', ...MUST_BE_ZERO, 'data_identical', 'recovery_s_p50', 'recovery_s_max'];

export function chaosRows(outcome: ChaosOutcome): FaultRow[] {
  return outcome.results.map(faultRow);
}

/** A markdown table (the README's), one row per kind. */
export function chaosTable(outcome: ChaosOutcome): string {
  const rows = chaosRows(outcome);
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${COLUMNS.map((c) => String(row[c])).join(' | ')} |`);
  return lines.join('\n');
}

export function chaosJson(outcome: ChaosOutcome): string {
  return JSON.stringify({ seed: outcome.seed, faults: chaosRows(outcome), ok: outcome.broken.length === 0 });
}

export function chaosVerdict(outcome: ChaosOutcome): string {
  if (outcome.broken.length === 0) return `chaos: every invariant holds over ${outcome.results.length} fault kinds (seed ${outcome.seed}, ${outcome.seconds} s)`;
  return [
    `chaos: BROKEN (reproduce with --seed ${outcome.seed}):`,
    ...outcome.broken.map((b) => `  ${b}`),
    ...(outcome.logs ? [`  service logs: ${outcome.logs}`] : []),
  ].join('\n');
}
