/**
 * `trace-lite chaos`: the stack once, the undisturbed run, then one run per fault kind, each judged
 * by its damage; everything it started is stopped on success, failure and SIGINT.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withCleanup } from '../processes/interrupt.js';
import { startChaosStack, type ChaosStack } from './chaosStack.js';
import { runKind, type KindRunResult } from './kindRun.js';
import type { FaultKind } from './kinds/faultKind.js';
import { breaches } from './verdict.js';

export interface ChaosOptions {
  composeFile: string;
  kinds: FaultKind[];
  injections: number;
  seed: number;
  /** Devnet blocks to seed and sync. */
  blocks: number;
  /** Added to every service's environment: the suite's tests switch a safeguard off with it (TRACE_TEST_FAILPOINTS). */
  serviceEnvironment?: Record<string, string>;
}

/** What the reporter is told as the suite goes. */
export interface ChaosObserver {
  started(kinds: readonly string[], injections: number): void;
  injected(kind: string, done: number): void;
  finished(result: KindRunResult): void;
  log(line: string): void;
}

export interface ChaosOutcome {
  seed: number;
  baseline: KindRunResult | undefined;
  results: KindRunResult[];
  /** `kind: invariant = n` for everything broken (empty when ok), and why the suite stopped early, if it did. */
  broken: string[];
  seconds: number;
  logs: string | undefined;
}

export async function runChaos(options: ChaosOptions, observer: ChaosObserver): Promise<ChaosOutcome> {
  const started = performance.now();
  const runDir = await mkdtemp(path.join(tmpdir(), 'trace-chaos-'));
  // Searchable by others: as root, the embedded PostgreSQL runs as its own user under this directory.
  await chmod(runDir, 0o755);
  let stack: ChaosStack | undefined;
  const results: KindRunResult[] = [];
  let baseline: KindRunResult | undefined;
  const broken: string[] = [];
  try {
    await withCleanup(
      async () => stack?.stop(),
      async (signal) => {
        observer.log(`chaos: seed ${options.seed}; logs under ${runDir} (removed when every invariant holds)`);
        stack = await startChaosStack({ runDir, composeFile: options.composeFile, blocks: options.blocks, seed: options.seed, signal });
        observer.started(['undisturbed', ...options.kinds.map((k) => k.name)], options.injections);
        const common = { stack, composeFile: options.composeFile, runDir, injections: options.injections, seed: options.seed, serviceEnvironment: options.serviceEnvironment ?? {}, log: (line: string) => observer.log(line) };
        baseline = await runKind({ ...common, kind: undefined, spanMs: 0, baseline: undefined, index: 0, onInjection: () => undefined });
        observer.finished(baseline);
        broken.push(...breaches(baseline));
        for (const [i, kind] of options.kinds.entries()) {
          if (signal.aborted) break;
          const result = await runKind({ ...common, kind, spanMs: baseline.syncMs, baseline: baseline.data, index: i + 1, onInjection: (done) => observer.injected(kind.name, done) });
          results.push(result);
          observer.finished(result);
          broken.push(...breaches(result));
        }
      },
    );
  } catch (err) {
    broken.push(`the suite did not run to its end: ${(err as Error).message.split("\n")[0]}`);
  } finally {
    await stack?.stop();
  }
  if (broken.length === 0) await rm(runDir, { recursive: true, force: true });
  return { seed: options.seed, baseline, results, broken, seconds: Math.round((performance.now() - started) / 1000), logs: broken.length > 0 ? runDir : undefined };
}
