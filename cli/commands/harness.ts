import path from 'node:path';
import type { Command } from 'commander';
import { positiveInt } from '../userInput.js';

/** A 60-block devnet in 10-block ranges: 18 ranges over 3 streams, enough to kill a worker in the middle of, in ~2 minutes. */
const DEFAULT_BLOCKS = 60;
const DEFAULT_CHUNK_SIZE = 10;
const DEFAULT_SEED = 7;
/** Each of the sync and the analytics run; a worker's lapsed lease alone takes 30 s to be reaped. */
const DEFAULT_TIMEOUT_SECONDS = 300;

interface HarnessCommandOptions {
  queueDriver: string;
  compose?: string;
  blocks: number;
  seed: number;
  chunkSize: number;
  timeout: number;
  json?: boolean;
}

export function registerHarness(program: Command): void {
  program
    .command('harness')
    .description("run compose.yaml's services as processes against a seeded devnet, kill a worker midway, and check the invariants; exits 1 naming a broken one")
    .option('--queue-driver <drivers>', 'queue driver(s) to run the services with, one full run each (comma-separated: pgqueue, nats)', 'pgqueue')
    .option('--compose <file>', 'compose file (default: the one beside this build)')
    .option('--blocks <n>', 'devnet blocks to seed and sync', positiveInt, DEFAULT_BLOCKS)
    .option('--seed <n>', 'devnet workload seed', positiveInt, DEFAULT_SEED)
    .option('--chunk-size <n>', 'blocks per synced range', positiveInt, DEFAULT_CHUNK_SIZE)
    .option('--timeout <seconds>', 'limit for the sync and for the analytics run, each', positiveInt, DEFAULT_TIMEOUT_SECONDS)
    .option('--json', 'print the verdict as one JSON object')
    .action(async (opts: HarnessCommandOptions) => {
      const [{ runHarness }, { formatResult, resultJson }, { parseQueueDrivers }, { REPOSITORY_COMPOSE_FILE }] = await Promise.all([
        import('../harness/runHarness.js'),
        import('../harness/report.js'),
        import('../harness/queueDrivers.js'),
        import('../compose/localCompose.js'),
      ]);
      const composeFile = opts.compose === undefined ? REPOSITORY_COMPOSE_FILE : path.resolve(opts.compose);
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const results = [];
      for (const queueDriver of parseQueueDrivers(opts.queueDriver)) {
        const result = await runHarness({ composeFile, queueDriver, blocks: opts.blocks, seed: opts.seed, chunkSize: opts.chunkSize, timeoutSeconds: opts.timeout }, say);
        if (!opts.json) process.stdout.write(`\n${formatResult(result)}\n`);
        results.push(result);
      }
      if (opts.json) process.stdout.write(`${resultJson(results)}\n`);
      process.exitCode = results.every((r) => r.invariants.every((i) => i.holds)) ? 0 : 1;
    });
}
