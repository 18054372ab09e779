/**
 * The suite's progress as it runs: on a terminal, one bar per kind (injections done of N, then its
 * verdict); otherwise plain lines, one per injection and one per finished kind.
 */
import cliProgress from 'cli-progress';
import type { ChaosObserver } from '../runChaos.js';
import type { KindRunResult } from '../kindRun.js';
import { breaches, faultRow } from '../verdict.js';

export class LiveProgress implements ChaosObserver {
  private bars: cliProgress.MultiBar | undefined;
  private readonly byKind = new Map<string, cliProgress.SingleBar>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  started(kinds: readonly string[], injections: number): void {
    if (this.out.isTTY !== true) return;
    this.bars = new cliProgress.MultiBar({ format: ' {kind} [{bar}] {value}/{total} injections {status}', hideCursor: true, stream: this.out }, cliProgress.Presets.shades_classic);
    const width = Math.max(...kinds.map((k) => k.length));
    for (const kind of kinds) this.byKind.set(kind, this.bars.create(kind === 'undisturbed' ? 0 : injections, 0, { kind: kind.padEnd(width), status: '' }));
  }

  injected(kind: string, done: number): void {
    if (this.bars) this.byKind.get(kind)?.update(done);
    else this.out.write(`${kind}: injection ${done}\n`);
  }

  finished(result: KindRunResult): void {
    const bar = this.byKind.get(result.kind);
    if (bar) bar.update(result.injections, { status: verdict(result) });
    else this.out.write(`${result.kind}: ${verdict(result)}\n`);
  }

  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else this.out.write(`${line}\n`);
  }

  /** Ends the bars, so what follows starts on a clean line. */
  stop(): void {
    this.bars?.stop();
    this.bars = undefined;
  }
}

function verdict(result: KindRunResult): string {
  const row = faultRow(result);
  const sync = Math.round(result.syncMs / 100) / 10;
  return `${breaches(result).length === 0 ? 'ok' : 'BROKEN'} · ${row.tasks_retried} retried · recovery p50 ${row.recovery_s_p50} s, max ${row.recovery_s_max} s · sync ${sync} s`;
}
