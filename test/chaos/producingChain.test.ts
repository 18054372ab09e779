/**
 * The chaos suite's producing devnet (cli/chaos/producingChain.ts): it keeps mining blocks past the
 * seeded ones, a reorg replaces the blocks from a given one to the tip with as many others, and the
 * same seed and the same operations give the same chain.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProducingChain } from '../../cli/chaos/producingChain.js';
import { createDevnetClient } from '../../drivers/devnet/client.js';

const SEEDED_BLOCKS = 3;

async function hashes(chain: ProducingChain, from: number, to: number): Promise<string[]> {
  const client = createDevnetClient(chain.devnet.description.rpc_url);
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push((await client.getBlock({ blockNumber: BigInt(n) })).hash);
  return out;
}

async function startChain(t: import('ava').ExecutionContext): Promise<ProducingChain> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'producing-chain-'));
  const chain = await ProducingChain.start({ runDir, blocks: SEEDED_BLOCKS, seed: 11 });
  t.teardown(async () => {
    await chain.stop();
    await rm(runDir, { recursive: true, force: true });
  });
  return chain;
}

test('a producing devnet mines past the seeded blocks; a reorg replaces from a block to the tip, same length, same for the same seed', async (t) => {
  t.timeout(120_000);
  const [a, b] = [await startChain(t), await startChain(t)];
  for (const chain of [a, b]) {
    chain.produce();
    t.is(await chain.finish(4), SEEDED_BLOCKS + 4, 'four blocks produced after the seeded ones, then production stops');
  }
  const before = await hashes(a, 0, a.tip);
  t.deepEqual(await hashes(b, 0, b.tip), before, 'the same seed produces the same chain');
  await t.throwsAsync(a.reorg(SEEDED_BLOCKS), { message: /only produced blocks/ }, 'a seeded block is never replaced');

  const from = SEEDED_BLOCKS + 2;
  t.is(await a.reorg(from), before.length - 1, 'the tip stays where it was');
  const after = await hashes(a, 0, a.tip);
  t.deepEqual(after.slice(0, from), before.slice(0, from), 'blocks below the reorg stay');
  for (let n = from; n < before.length; n++) t.not(after[n], before[n], `block ${n} replaced`);
  await b.reorg(from);
  t.deepEqual(await hashes(b, 0, b.tip), after, 'the same reorg on the same seed gives the same fork');
});
