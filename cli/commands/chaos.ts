import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { positiveInt } from '../userInput.js';

/** Injections per kind: the default, spread over the undisturbed sync's ~15 s. */
const DEFAULT_INJECTIONS = 20;
const DEFAULT_SEED = 7;
/**
 * The devnet's length unless --blocks says: 24 blocks in 5-block ranges (20 ranges over four
 * datasets, synced in ~5-10 s undisturbed), and longer with more injections, so that the sync still
 * has ranges in flight for the last ones: at 24 blocks, 3 of crash_after_commit's 20 injections found
 * no claim or commit left to die at; at 64 blocks all 20 did. 20 injections → 48 blocks.
 */
const MIN_BLOCKS = 24;
const BLOCKS_PER_INJECTION = 2.4;
function defaultBlocks(injections: number): number {
  return Math.max(MIN_BLOCKS, Math.ceil(BLOCKS_PER_INJECTION * injections));
}
/**
 * Test-only: the suite's own tests reintroduce a bug in the services by switching a safeguard off
 * (runtime/failpoints.ts); passed through to every service, which otherwise gets none of our variables.
 */
const TEST_FAILPOINTS = 'TRACE_TEST_FAILPOINTS';

interface ChaosCommandOptions {
  kinds?: string[];
  injections: number;
  seed: number;
  blocks?: number;
  compose?: string;
  json?: boolean;
  out?: string;
}

function kindList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('name at least one fault kind');
  return names;
}

function seedValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new InvalidArgumentError('must be an integer in [0, 2^32)');
  return n;
}

export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description("fault-injection suite: compose's services on their own PostgreSQL and S3, each fault kind injected into a chain sync; exits 1 naming the kind and invariant broken")
    .option('--kinds <k1,k2,…>', 'fault kinds to run (default: all)', kindList)
    .option('--injections <n>', 'injections per kind, at seeded moments', positiveInt, DEFAULT_INJECTIONS)
    .option('--seed <n>', 'seed of the devnet and of the injection moments', seedValue, DEFAULT_SEED)
    .option('--blocks <n>', `devnet blocks to seed and sync (default: ${MIN_BLOCKS}, or ${BLOCKS_PER_INJECTION} per injection when more)`, positiveInt)
    .option('--compose <file>', 'compose file (default: the one beside this build)')
    .option('--json', 'print the result as one JSON object on the last line')
    .option('--out <dir>', 'also write chaos.html (table and a timeline per kind) here')
    .action(async (opts: ChaosCommandOptions) => {
      const [{ runChaos }, { selectKinds }, { LiveProgress }, { chaosJson, chaosTable, chaosVerdict }, { writeChaosPage }, { REPOSITORY_COMPOSE_FILE }] = await Promise.all([
        import('../chaos/runChaos.js'),
        import('../chaos/kinds/registry.js'),
        import('../chaos/report/liveProgress.js'),
        import('../chaos/report/chaosTable.js'),
        import('../chaos/report/chaosPage.js'),
        import('../compose/localCompose.js'),
      ]);
      const kinds = selectKinds(opts.kinds);
      const progress = new LiveProgress(process.stderr);
      const composeFile = opts.compose === undefined ? REPOSITORY_COMPOSE_FILE : path.resolve(opts.compose);
      const bug = process.env[TEST_FAILPOINTS];
      const serviceEnvironment: Record<string, string> = bug ? { [TEST_FAILPOINTS]: bug } : {};
      const outcome = await runChaos({ composeFile, kinds, injections: opts.injections, seed: opts.seed, blocks: opts.blocks ?? defaultBlocks(opts.injections), serviceEnvironment }, progress);
      progress.stop();
      process.stderr.write(`\n${chaosTable(outcome)}\n\n${chaosVerdict(outcome)}\n`);
      if (opts.out !== undefined) process.stderr.write(`report: ${await writeChaosPage(opts.out, outcome)}\n`);
      if (opts.json) process.stdout.write(`${chaosJson(outcome)}\n`);
      process.exitCode = outcome.broken.length === 0 ? 0 : 1;
    });
}
