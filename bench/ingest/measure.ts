/**
 * One stream set at one chunk size: rounds that interleave a raw and a full round, summed up as
 * blocks/s (blocks × streams / seconds) from the median round of each.
 */
import { median, round1, round3 } from '../queue/stats.js';
import { log } from '../stderr.js';
import { medianBreakdown, type Breakdown } from './breakdown.js';
import { fullRound } from './fullRound.js';
import { rawRound } from './rawRound.js';
import type { CpuSeconds } from './cpu.js';
import type { RoundSpec } from './roundSpec.js';

export interface Measured {
  chunk_size: number;
  raw_blocks_per_s: number;
  ingest_blocks_per_s: number;
  ratio: number;
  raw_s: number[];
  raw_rpc_retries: number;
  /** Median over rounds of the raw round's mean fetch time per range. */
  raw_range_fetch_ms: number;
  full_s: number[];
  /** Median milliseconds a fresh node took to start and warm its pool threads (before each full round's clock). */
  thread_warm_ms: number;
  /**
   * Median CPU seconds of a raw and of a full round, this process (all its threads), anvil and the
   * embedded S3 server apart: what each needed of the machine's cores beside its wall time.
   */
  cpu_s: { raw: CpuSeconds; full: CpuSeconds };
  breakdown: Breakdown;
}

export async function measure(spec: RoundSpec, rounds: number, label: string, anvilPid: number): Promise<Measured> {
  const { chunkSize } = spec;
  const raw: number[] = [];
  let rawRetries = 0;
  const rawFetchMs: number[] = [];
  const full: number[] = [];
  const warmMs: number[] = [];
  const rawCpu: CpuSeconds[] = [];
  const fullCpu: CpuSeconds[] = [];
  const breakdowns: Breakdown[] = [];
  const work = spec.end * spec.datasets.length;
  for (let r = 0; r < rounds; r++) {
    const rawRun = await rawRound(spec, anvilPid);
    rawCpu.push(rawRun.cpu);
    const rawS = rawRun.seconds;
    raw.push(rawS);
    rawRetries += rawRun.retries;
    rawFetchMs.push(rawRun.rangeFetchMs);
    log(`${label} chunk ${chunkSize} round ${r + 1}/${rounds}: raw ${rawS.toFixed(2)} s (${(work / rawS).toFixed(0)} blocks/s), rpc retries ${rawRun.retries} ${JSON.stringify(rawRun.faults)}`);
    const f = await fullRound(spec, { anvilPid });
    fullCpu.push(f.cpu);
    full.push(f.seconds);
    warmMs.push(f.threadWarmMs);
    breakdowns.push(f.breakdown);
    log(
      `${label} chunk ${chunkSize} round ${r + 1}/${rounds}: full ${f.seconds.toFixed(2)} s (${(work / f.seconds).toFixed(0)} blocks/s, threads warmed in ${f.threadWarmMs.toFixed(0)} ms before) ${JSON.stringify(f.breakdown)}`,
    );
  }
  const rawBps = work / median(raw);
  const fullBps = work / median(full);
  return {
    chunk_size: chunkSize,
    raw_blocks_per_s: round1(rawBps),
    ingest_blocks_per_s: round1(fullBps),
    ratio: round3(fullBps / rawBps),
    raw_s: raw.map(round3),
    raw_rpc_retries: rawRetries,
    raw_range_fetch_ms: round1(median(rawFetchMs)),
    full_s: full.map(round3),
    thread_warm_ms: round1(median(warmMs)),
    cpu_s: { raw: medianCpu(rawCpu), full: medianCpu(fullCpu) },
    breakdown: medianBreakdown(breakdowns),
  };
}

function medianCpu(list: CpuSeconds[]): CpuSeconds {
  return { node: round3(median(list.map((c) => c.node))), anvil: round3(median(list.map((c) => c.anvil))), s3: round3(median(list.map((c) => c.s3))) };
}
