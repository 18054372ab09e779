/** The ingest benchmark's result: one JSON object (the last stdout line) and a summary on stderr. */
import { log } from '../stderr.js';
import type { Measured } from './measure.js';
import type { IngestOptions } from './options.js';
import { MAIN_STREAMS } from './roundSpec.js';

const TARGET_RATIO = 0.8;

export interface IngestFigures {
  /** The devnet's blocks [0, end). */
  end: number;
  /** The main streams' figures per chunk size. */
  byChunk: Measured[];
  /** The chunk size with the best ingest rate. */
  best: Measured;
  geth: Measured | undefined;
  runtimeS: number;
}

export function ingestResult(options: IngestOptions, { end, byChunk, best, geth, runtimeS }: IngestFigures) {
  return {
    bench: 'ingest',
    blocks: end,
    streams: MAIN_STREAMS,
    chunk_size: best.chunk_size,
    max_inflight: options.maxInflight,
    rounds: options.rounds,
    raw_rpc: { blocks_per_s: best.raw_blocks_per_s, seconds: best.raw_s, rpc_retries: best.raw_rpc_retries, range_fetch_ms: best.raw_range_fetch_ms },
    ingest: { blocks_per_s: best.ingest_blocks_per_s, seconds: best.full_s, thread_warm_ms: best.thread_warm_ms, breakdown: best.breakdown },
    cpu_s: best.cpu_s,
    ratio: { ingest_vs_raw_rpc: best.ratio, target: TARGET_RATIO, met: best.ratio >= TARGET_RATIO, cpu_ceiling: cpuCeiling(best) },
    by_chunk_size: byChunk.map((m) => ({
      chunk_size: m.chunk_size,
      raw_blocks_per_s: m.raw_blocks_per_s,
      ingest_blocks_per_s: m.ingest_blocks_per_s,
      ratio: m.ratio,
      raw_range_fetch_ms: m.raw_range_fetch_ms,
      breakdown: m.breakdown,
    })),
    geth_calls: geth
      ? {
          blocks: Math.min(end, options.gethBlocks),
          chunk_size: geth.chunk_size,
          rounds: 1,
          raw_blocks_per_s: geth.raw_blocks_per_s,
          raw_rpc_retries: geth.raw_rpc_retries,
          ingest_blocks_per_s: geth.ingest_blocks_per_s,
          ratio: geth.ratio,
          breakdown: geth.breakdown,
        }
      : null,
    quick: options.quick,
    runtime_s: runtimeS,
  };
}

/**
 * The ratio the rounds' CPU work allows when both are bound by the machine's cores, as on a 2-core
 * machine where anvil answers the raw read at ~1.7 cores: raw CPU seconds over full CPU seconds
 * (PostgreSQL not counted, so the true ceiling is lower).
 */
function cpuCeiling({ cpu_s: { raw, full } }: Measured): number {
  const fullCpu = full.node + full.anvil + full.s3;
  return fullCpu > 0 ? Math.round(((raw.node + raw.anvil + raw.s3) / fullCpu) * 1000) / 1000 : 0;
}

/** One line per chunk size (and geth_calls), for a reader without --json. */
export function logSummary({ byChunk, geth }: IngestFigures): void {
  for (const m of byChunk) log(`chunk ${m.chunk_size}: raw ${m.raw_blocks_per_s} blocks/s, ingest ${m.ingest_blocks_per_s} blocks/s, ratio ${m.ratio}`);
  if (geth) log(`geth_calls: raw ${geth.raw_blocks_per_s} blocks/s, ingest ${geth.ingest_blocks_per_s} blocks/s`);
}
