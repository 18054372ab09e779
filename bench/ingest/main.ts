/**
 * Ingest throughput benchmark: on one seeded devnet (anvil) in one run, the raw RPC read rate (the
 * chain_sync job's own fetch calls over the same ranges, same chunk size and in-flight count,
 * results discarded) against the full ingest rate (a chain_sync job from apply until every range
 * is committed hot + cold, in an in-process node with an embedded S3 server). Usage:
 *   node dist/bench/ingest/main.js [--json] [--quick] [--blocks N] [--rounds N] [--chunk-sizes 50,100]
 *     [--max-inflight N] [--geth-blocks N] [--no-geth]
 * Measured per chunk size over the stream set {blocks, transactions, logs}; geth_calls is measured
 * apart (anvil's tracer runs at a few blocks/s and would hide everything else). Rounds interleave
 * raw and full; each full round gets a fresh schema prefix and S3 directory; figures are medians.
 * blocks/s = blocks × streams / seconds. The last stdout line is one JSON object; progress on stderr.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ANVIL_PID_FILE, startDevnet } from '../../drivers/devnet/devnet.js';
import { round1 } from '../queue/stats.js';
import { log } from '../stderr.js';
import { measure, type Measured } from './measure.js';
import { parseOptions } from './options.js';
import { ingestResult, logSummary } from './report.js';
import { MAIN_STREAMS } from './roundSpec.js';

async function main(): Promise<void> {
  const options = parseOptions();
  const startedAll = performance.now();
  const devnetDir = await mkdtemp(path.join(tmpdir(), 'trace-bench-ingest-devnet-'));
  let devnet: Awaited<ReturnType<typeof startDevnet>> | undefined;
  const stopAll = async (): Promise<void> => {
    if (devnet) await devnet.stop().catch(() => undefined);
    devnet = undefined;
    await rm(devnetDir, { recursive: true, force: true });
  };
  const onSignal = (): void => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const seedStart = performance.now();
    devnet = await startDevnet({ dataDir: devnetDir, blocks: options.blocks, seed: options.seed, log });
    const { rpc_url: url, last_block: lastBlock, chain_id: chainId } = devnet.description;
    const end = lastBlock + 1;
    const anvilPid = Number(await readFile(path.join(devnet.runDir, ANVIL_PID_FILE), 'utf8'));
    log(`devnet seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s: blocks [0, ${end}) at ${url}`);

    const byChunk: Measured[] = [];
    for (const chunkSize of options.chunkSizes) {
      byChunk.push(await measure({ url, chainId, datasets: MAIN_STREAMS, end, chunkSize, maxInflight: options.maxInflight }, options.rounds, 'blocks+transactions+logs', anvilPid));
    }
    const best = byChunk.reduce((a, b) => (b.ingest_blocks_per_s > a.ingest_blocks_per_s ? b : a));

    let geth: Measured | undefined;
    if (options.geth) {
      const gethEnd = Math.min(end, options.gethBlocks);
      geth = await measure({ url, chainId, datasets: ['geth_calls'], end: gethEnd, chunkSize: best.chunk_size, maxInflight: options.maxInflight }, 1, 'geth_calls', anvilPid);
    }

    const figures = { end, byChunk, best, geth, runtimeS: round1((performance.now() - startedAll) / 1000) };
    const result = ingestResult(options, figures);
    if (!options.json) logSummary(figures);
    await stopAll();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
