/**
 * Scale-out benchmark: the same devnet range ingested by 1, 2 and 4 worker processes (plus one
 * dispatcher process), each a process of compose.yaml's service as `docker compose up --scale
 * worker=N` would run it, on a fresh database and S3 server per round. Usage:
 *   node dist/bench/scale/main.js [--json] [--blocks N] [--workers 1,2,4] [--rounds N] [--chunk-size N] [--max-inflight N]
 * Rounds interleave the worker counts; figures are medians. Reports blocks/s, efficiency against
 * linear (rate(N) / (N × rate(1))), Postgres connections in use and where the CPU and the attempts'
 * time went, and whether every round kept the orchestration invariants. The last stdout line is one
 * JSON object; progress and the table go to stderr.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevnet, type Devnet } from '../../drivers/devnet/devnet.js';
import { REPOSITORY_COMPOSE_FILE } from '../../cli/compose/localCompose.js';
import { withCleanup } from '../../cli/processes/interrupt.js';
import { log } from '../stderr.js';
import { parseOptions } from './options.js';
import { logTable, scaleResult } from './report.js';
import { scaleRound, type RoundResult } from './round.js';

async function main(): Promise<void> {
  const options = parseOptions();
  const started = performance.now();
  const devnetDir = await mkdtemp(path.join(tmpdir(), 'trace-bench-scale-devnet-'));
  let devnet: Devnet | undefined;
  const cleanup = async () => {
    await devnet?.stop();
    devnet = undefined;
    await rm(devnetDir, { recursive: true, force: true });
  };
  await withCleanup(cleanup, async (signal) => {
    log(`devnet: seeding ${options.blocks} blocks`);
    devnet = await startDevnet({ dataDir: devnetDir, blocks: options.blocks, seed: options.seed, log: () => undefined, signal });
    const d = devnet.description;
    const anvilPid = Number(await readFile(path.join(devnet.runDir, 'anvil.pid'), 'utf8').catch(() => 'NaN'));
    const rounds: RoundResult[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const workers of options.workers) {
        log(`round ${round}/${options.rounds}: 1 dispatcher + ${workers} worker process(es), blocks [0, ${d.last_block + 1})`);
        const result = await scaleRound({
          composeFile: REPOSITORY_COMPOSE_FILE,
          rpcUrl: d.rpc_url,
          chainId: d.chain_id,
          end: d.last_block + 1,
          chunkSize: options.chunkSize,
          maxInflight: options.maxInflight,
          workers,
          anvilPid: Number.isInteger(anvilPid) ? anvilPid : undefined,
        });
        log(`  ${result.seconds} s, ${result.blocks_per_s} blocks/s, peak ${result.connections.peak_open} connections`);
        rounds.push(result);
      }
    }
    const result = scaleResult(options, rounds, Math.round((performance.now() - started) / 1000));
    logTable(result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
