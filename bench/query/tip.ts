/**
 * The tip case: the newest 5 blocks with their transaction counts (template `newest_blocks`, its
 * block the newest registered), warm, at two history lengths of the same chain. Its answer is
 * checked against the generator; a tip query must read hot rows only (no cold file).
 */
import { performance } from 'node:perf_hooks';
import type { QueryResult } from '../../actors/query/queryTypes.js';
import type { QueryService } from '../../actors/query/queryService.js';
import { median, round1 } from '../queue/stats.js';
import type { SyntheticChain } from './chain.js';

/** "The newest 5 blocks": the tip question. */
const TIP_BLOCKS = 5;
/** A tip query takes ~15–25 ms: 50 warm runs cost about a second, and their median holds still on a busy machine. */
const TIP_RUNS = 50;

export interface TipRun {
  /** Median of the warm runs. */
  warm_ms: number;
  runs_ms: number[];
  cold_files: number;
  hot_rows: number;
}

/** Measures the tip query on a chain whose newest registered block is `lastBlock`. */
export async function measureTip(service: QueryService, chain: SyntheticChain, chainId: number, lastBlock: number): Promise<TipRun> {
  const expected = expectedTip(chain, lastBlock);
  const once = async (): Promise<{ ms: number; result: QueryResult }> => {
    const started = performance.now();
    const result = await service.query({ template: 'newest_blocks', params: { chain_id: chainId, n: TIP_BLOCKS } });
    const ms = performance.now() - started;
    const got = JSON.stringify(result.rows.map((r) => [Number(r[0]), Number(r[2])]));
    if (got !== JSON.stringify(expected)) throw new Error(`tip at ${lastBlock}: ${got}, the generator made ${JSON.stringify(expected)}`);
    return { ms, result };
  };
  await once(); // warm-up: pool thread, prepared statements
  const samples: number[] = [];
  let last: QueryResult | undefined;
  for (let i = 0; i < TIP_RUNS; i++) {
    const run = await once();
    samples.push(run.ms);
    last = run.result;
  }
  return { warm_ms: round1(median(samples)), runs_ms: samples.map(round1), cold_files: last!.stats.coldFiles, hot_rows: last!.stats.hotRows };
}

/** [block, transactions] of the newest blocks up to `lastBlock`, newest first, as the generator made them. */
function expectedTip(chain: SyntheticChain, lastBlock: number): [number, number][] {
  const counts = new Map<number, number>();
  const firstRange = Math.floor(Math.max(0, lastBlock - TIP_BLOCKS + 1) / chain.rangeBlocks) * chain.rangeBlocks;
  for (let start = firstRange; start <= lastBlock; start += chain.rangeBlocks) {
    const { blocks } = chain.fetched(start, Math.min(start + chain.rangeBlocks, chain.blocks)).transactions;
    for (const b of blocks) counts.set(Number(b.number), b.transactions.length);
  }
  return Array.from({ length: TIP_BLOCKS }, (_, i) => [lastBlock - i, counts.get(lastBlock - i) ?? -1]);
}
