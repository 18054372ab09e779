/** The harness's verdict: each invariant with its figure (and what broke it), as text or JSON. */
import type { HarnessResult } from './runHarness.js';

export function formatResult(result: HarnessResult): string {
  const held = result.invariants.filter((i) => i.holds).length;
  const verdict = held === result.invariants.length ? 'every invariant holds' : `${result.invariants.length - held} invariant(s) BROKEN`;
  const width = Math.max(...result.invariants.map((i) => i.name.length));
  const lines = [`harness (queue driver ${result.queueDriver}): ${held} of ${result.invariants.length} hold, ${verdict} (${result.seconds} s)`];
  for (const i of result.invariants) {
    lines.push(`  ${i.holds ? 'ok  ' : 'FAIL'}  ${i.name.padEnd(width)}  ${i.figure}`);
    for (const problem of i.problems) lines.push(`          ${problem}`);
  }
  if (result.logs) lines.push(`  service logs: ${result.logs}`);
  return lines.join('\n');
}

export function resultJson(results: HarnessResult[]): string {
  return JSON.stringify({
    ok: results.every((r) => r.invariants.every((i) => i.holds)),
    runs: results.map((r) => ({ queue_driver: r.queueDriver, seconds: r.seconds, logs: r.logs ?? null, invariants: r.invariants })),
  });
}
