/**
 * One writer, one process: `node child.js <writer> <input frames> <output.parquet> <rowGroupRows>`.
 * Prints one JSON line (ChildResult) on stdout. Peak RSS is this process's own high-water mark
 * (getrusage maxrss), so it covers the writer, its library and the Arrow decoding, and nothing the
 * parent holds. The clock starts after the writer's module is loaded (parquet-wasm compiles its
 * wasm at import, ~30 ms, once per process or worker thread, not per file).
 */
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { readFrames } from './ipcFrames.js';
import { isWriterName, loadWriter } from './writers.js';

export interface ChildResult {
  rows: number;
  ms: number;
  /** Peak resident set of the child process, in MB (10^6 bytes). */
  peak_rss_mb: number;
  file_bytes: number;
}

async function main(): Promise<void> {
  const [name, inputPath, outputPath, rowGroupText] = process.argv.slice(2);
  if (name === undefined || !isWriterName(name) || inputPath === undefined || outputPath === undefined) {
    throw new Error('usage: child.js <writer> <input frames> <output.parquet> <rowGroupRows>');
  }
  const rowGroupRows = Number(rowGroupText);
  const writer = await loadWriter(name);
  const started = performance.now();
  const rows = await writer.write(readFrames(inputPath), outputPath, rowGroupRows);
  const ms = performance.now() - started;
  const result: ChildResult = {
    rows,
    ms,
    peak_rss_mb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    file_bytes: (await stat(outputPath)).size,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench:parquet child] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
