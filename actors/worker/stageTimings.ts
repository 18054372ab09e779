import { performance } from 'node:perf_hooks';

/**
 * Where one attempt's wall time went, stage by stage, in milliseconds (rounded to 0.1 ms). A
 * cryo_ingest attempt returns its stages in its task result (`stages_ms`), so `trace-lite task show`
 * and bench/ingest can say which stage a slow range spent its time in.
 */
export type StageTimings = Record<string, number>;

export class StageClock {
  private readonly ms: StageTimings = {};

  /** Runs `work` and adds its wall time to `stage`. */
  async time<T>(stage: string, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.add(stage, performance.now() - started);
    }
  }

  add(stage: string, ms: number): void {
    this.ms[stage] = (this.ms[stage] ?? 0) + ms;
  }

  /** Adds stages timed elsewhere (a pool thread's). */
  merge(timings: StageTimings): void {
    for (const [stage, ms] of Object.entries(timings)) this.add(stage, ms);
  }

  get timings(): StageTimings {
    return Object.fromEntries(Object.entries(this.ms).map(([stage, ms]) => [stage, Math.round(ms * 10) / 10]));
  }
}
