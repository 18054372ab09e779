/**
 * A raw round: the chain_sync job's fetch calls without the job, results discarded, for the raw
 * RPC read rate the ingest is compared with.
 */
import { performance } from 'node:perf_hooks';
import { fetchDataset } from '../../drivers/chain/datasets.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { CpuMeter, type CpuSeconds } from './cpu.js';
import type { RoundSpec } from './roundSpec.js';

export interface RawRound {
  seconds: number;
  retries: number;
  faults: Record<string, number>;
  /** Mean milliseconds of one range's fetch: what the full round's `fetch` stage compares with. */
  rangeFetchMs: number;
  cpu: CpuSeconds;
}

/** The ranges the job plans: [from, to) cut every chunkSize blocks. */
function ranges(end: number, chunkSize: number): Array<{ start: number; end: number }> {
  const out = [];
  for (let s = 0; s < end; s += chunkSize) out.push({ start: s, end: Math.min(s + chunkSize, end) });
  return out;
}

/**
 * Per stream, its ranges with `maxInflight` at a time, all streams at once; one RPC pool per
 * stream with the pool defaults (the job's pool threads each hold their own pool, so this gives
 * raw at least the job's HTTP concurrency).
 */
export async function rawRound({ url, datasets, end, chunkSize, maxInflight }: RoundSpec, anvilPid: number): Promise<RawRound> {
  const pools = datasets.map((d) => new RpcPool({ name: `raw-${d}`, url }));
  const started = performance.now();
  const cpu = await CpuMeter.start({ anvil: anvilPid });
  const fetchMs: number[] = [];
  await Promise.all(
    datasets.map(async (dataset, i) => {
      const pool = pools[i]!;
      const todo = ranges(end, chunkSize);
      let next = 0;
      await Promise.all(
        Array.from({ length: maxInflight }, async () => {
          while (next < todo.length) {
            const range = todo[next++]!;
            const fetchStarted = performance.now();
            await fetchDataset(dataset, pool, { range });
            fetchMs.push(performance.now() - fetchStarted);
          }
        }),
      );
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = await cpu.stop();
  const faults: Record<string, number> = {};
  let retries = 0;
  for (const pool of pools) {
    const m = pool.metrics();
    retries += m.retries;
    for (const [k, v] of Object.entries(m.faults)) if (v > 0) faults[k] = (faults[k] ?? 0) + v;
  }
  return { seconds, retries, faults, rangeFetchMs: fetchMs.reduce((a, b) => a + b, 0) / Math.max(1, fetchMs.length), cpu: cpuUsed };
}
