/** Timing and statistics helpers shared by every bench subject. */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A figure for a report, rounded to one decimal. */
export const round1 = (n: number): number => Math.round(n * 10) / 10;
/** A figure for a report, rounded to three decimals. */
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : Number.NaN;
}

/** Wall time of `fn` in milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `workers` copies of `fn` concurrently (one per pool connection) and waits for all. */
export async function inParallel(workers: number, fn: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, (_, i) => fn(i)));
}

/**
 * Sends `items` with `workers` concurrent callers, `perCall` items per call; returns elapsed ms.
 * Items are handed out by index so every caller sends distinct items and the total is exact.
 */
export async function produceMs<T>(
  items: readonly T[],
  workers: number,
  perCall: number,
  send: (chunk: readonly T[]) => Promise<void>,
): Promise<number> {
  let next = 0;
  return timeMs(() =>
    inParallel(workers, async () => {
      while (next < items.length) {
        const chunk = items.slice(next, next + perCall);
        next += chunk.length;
        await send(chunk);
      }
    }),
  );
}

/**
 * Drains a prefilled queue of `total` messages with `workers` concurrent consumers; `take` takes
 * (and acknowledges, or starts acknowledging) up to `max` messages and returns how many it got;
 * `settled` resolves once every acknowledgement `take` started was settled, and is timed too.
 * Returns elapsed ms. An empty take while messages remain means the rest are locked by other
 * consumers: retry.
 */
export async function drainMs(
  total: number,
  workers: number,
  max: number,
  take: (max: number) => Promise<number>,
  settled: () => Promise<void> = async () => undefined,
  timeoutMs = 300_000,
): Promise<number> {
  let taken = 0;
  const deadline = Date.now() + timeoutMs;
  const ms = await timeMs(async () => {
    await inParallel(workers, async () => {
      while (taken < total) {
        if (Date.now() > deadline) throw new Error(`drain timed out after ${taken}/${total} messages`);
        const got = await take(max); // not `taken += await …`: that reads `taken` before the await
        taken += got;
      }
    });
    await settled();
  });
  if (taken !== total) throw new Error(`drain took ${taken} messages, expected ${total}`);
  return ms;
}

/** Resolves when `done()` holds, polling every `everyMs`; fails after `timeoutMs`. */
export async function until(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 300_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The payload every subject carries: pgqueue's wake-up pointers are this small. */
export interface BenchPayload extends Record<string, unknown> {
  task_id: string;
}

export function payloads(count: number): BenchPayload[] {
  return Array.from({ length: count }, (_, i) => ({ task_id: String(i) }));
}

export function progress(message: string): void {
  process.stderr.write(`[bench:queue] ${message}\n`);
}
