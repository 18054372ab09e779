/**
 * Parquet compaction benchmark: parquet-wasm (the project's writer), DuckDB appender + COPY (the
 * reference) and parquetjs-lite on the same Cryo-logs rows. Usage:
 *   node dist/bench/parquet/main.js [--json] [--quick] [--rows N] [--rounds N] [--row-group-rows N]
 * The input is generated once (seeded) as Arrow IPC chunks in a temp file; each writer then runs in
 * a child process of its own per round (its peak RSS is its own), rounds interleave the writers in
 * rotating order, figures are medians over rounds, and every writer's file must read back in DuckDB
 * with the generated rows and the logs types, or the writer is disqualified.
 * The last stdout line is always one JSON object (keys are a contract); progress goes to stderr.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';
import { DEFAULT_ROW_GROUP_ROWS, recordBatchToIpc } from '../../drivers/parquet/parquetWriter.js';
import { median } from '../queue/stats.js';
import { positiveIntOption } from '../options.js';
import { LogsChecksumBuilder, verifyLogsParquet, type LogsChecksum } from './checksum.js';
import type { ChildResult } from './child.js';
import { writeFrames } from './ipcFrames.js';
import { generateLogBatches } from './logsData.js';
import { loadWriter, WRITER_NAMES, type WriterName } from './writers.js';

/**
 * 16,384 rows per input IPC chunk (~4.6 MB of logs): the size of one batch handed to a pool job.
 * Smaller chunks only add per-chunk overhead; larger ones add to every writer's peak RSS.
 */
const INPUT_BATCH_ROWS = 16_384;
const CHILD_SCRIPT = fileURLToPath(new URL('./child.js', import.meta.url));
const TARGETS = { speed_vs_duckdb: 1.2, peak_rss_mb: 500, size_vs_duckdb: 1.2 };
const execFileAsync = promisify(execFile);

interface Options {
  json: boolean;
  quick: boolean;
  rows: number;
  rounds: number;
  rowGroupRows: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      rows: { type: 'string' },
      rounds: { type: 'string' },
      'row-group-rows': { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  return {
    json: values.json ?? false,
    quick,
    // parquetjs-lite writes ~27k rows/s: its 3 rounds of 1,000,000 rows are ~1.8 of the ~2.2 minutes.
    rows: positiveIntOption(values.rows, quick ? 50_000 : 1_000_000, 'rows'),
    rounds: positiveIntOption(values.rounds, quick ? 1 : 3, 'rounds'),
    rowGroupRows: positiveIntOption(values['row-group-rows'], DEFAULT_ROW_GROUP_ROWS, 'row-group-rows'),
  };
}

function progress(message: string): void {
  process.stderr.write(`[bench:parquet] ${message}\n`);
}

/** Writes the seeded rows as framed IPC chunks and returns their checksum. */
async function prepareInput(framesPath: string, rows: number): Promise<LogsChecksum> {
  const checksum = new LogsChecksumBuilder();
  function* chunks(): Generator<Uint8Array> {
    for (const batch of generateLogBatches({ rows, batchRows: INPUT_BATCH_ROWS })) {
      checksum.add(batch);
      yield recordBatchToIpc(batch);
    }
  }
  const { chunks: count, bytes } = await writeFrames(framesPath, chunks());
  progress(`input: ${rows} rows in ${count} IPC chunks, ${(bytes / 1e6).toFixed(1)} MB`);
  return checksum.result();
}

async function runChild(writer: WriterName, framesPath: string, outPath: string, rowGroupRows: number): Promise<ChildResult> {
  const { stdout } = await execFileAsync(process.execPath, [CHILD_SCRIPT, writer, framesPath, outPath, String(rowGroupRows)], {
    maxBuffer: 1 << 20,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as ChildResult;
}

interface WriterSummary {
  codec: 'zstd' | 'snappy';
  rows_per_s: number;
  peak_rss_mb: number;
  file_bytes: number;
  read_back_ok: boolean;
  read_back_problems?: string[];
  error?: string;
}

const r0 = (n: number): number => Math.round(n);
const r1 = (n: number): number => Math.round(n * 10) / 10;
const r2 = (n: number): number => Math.round(n * 100) / 100;

async function measure(options: Options) {
  const started = performance.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-parquet-'));
  const onSignal = (signal: NodeJS.Signals): void => {
    progress(`${signal}: removing ${dir}`);
    void rm(dir, { recursive: true, force: true }).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();

  try {
    const framesPath = path.join(dir, 'input.frames');
    const expected = await prepareInput(framesPath, options.rows);
    const codecs = Object.fromEntries(
      await Promise.all(WRITER_NAMES.map(async (name) => [name, (await loadWriter(name)).codec] as const)),
    ) as Record<WriterName, 'zstd' | 'snappy'>;

    const results = new Map<WriterName, ChildResult[]>(WRITER_NAMES.map((name) => [name, []]));
    const problems = new Map<WriterName, string[]>();
    const errors = new Map<WriterName, string>();
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order each round so drift (page cache, other load on the machine) spreads evenly.
      const order = WRITER_NAMES.map((_, i) => WRITER_NAMES[(i + round) % WRITER_NAMES.length]!);
      for (const writer of order) {
        if (errors.has(writer)) continue;
        const outPath = path.join(dir, `${writer}.parquet`);
        try {
          const result = await runChild(writer, framesPath, outPath, options.rowGroupRows);
          results.get(writer)!.push(result);
          progress(
            `round ${round + 1}/${options.rounds} ${writer}: ${r0((result.rows * 1000) / result.ms)} rows/s, ` +
              `peak RSS ${r1(result.peak_rss_mb)} MB, ${result.file_bytes} bytes`,
          );
          if (round === 0) {
            // Same input and writer every round, so one read-back check per writer suffices.
            const found = await verifyLogsParquet(connection, outPath, expected);
            if (result.rows !== options.rows) found.push(`writer reported ${result.rows} rows`);
            problems.set(writer, found);
            progress(`${writer}: ${found.length === 0 ? 'reads back correctly in DuckDB' : `DISQUALIFIED: ${found.join('; ')}`}`);
          }
        } catch (err) {
          errors.set(writer, err instanceof Error ? err.message : String(err));
          progress(`${writer}: FAILED: ${errors.get(writer)!}`);
        }
        await rm(outPath, { force: true });
      }
    }

    const writers = {} as Record<WriterName, WriterSummary>;
    for (const name of WRITER_NAMES) {
      const runs = results.get(name)!;
      const found = problems.get(name) ?? [];
      const error = errors.get(name);
      writers[name] = {
        codec: codecs[name],
        rows_per_s: r0(median(runs.map((r) => (r.rows * 1000) / r.ms))),
        peak_rss_mb: r1(median(runs.map((r) => r.peak_rss_mb))),
        file_bytes: r0(median(runs.map((r) => r.file_bytes))),
        read_back_ok: error === undefined && runs.length > 0 && found.length === 0,
        ...(found.length > 0 ? { read_back_problems: found } : {}),
        ...(error !== undefined ? { error } : {}),
      };
    }
    const qualified = WRITER_NAMES.filter((name) => writers[name].read_back_ok);
    const chosen = qualified.reduce<WriterName | null>(
      (best, name) => (best === null || writers[name].rows_per_s > writers[best].rows_per_s ? name : best),
      null,
    );
    const reference = writers.duckdb_copy;
    const pick = chosen === null ? null : writers[chosen];
    const ratio = {
      chosen_vs_duckdb_copy: pick === null ? null : r2(pick.rows_per_s / reference.rows_per_s),
      chosen_size_vs_duckdb: pick === null ? null : r2(pick.file_bytes / reference.file_bytes),
    };
    const summary = {
      rows: options.rows,
      rounds: options.rounds,
      writers,
      chosen,
      ratio,
      targets: {
        chosen_vs_duckdb_copy_ge_1_2: ratio.chosen_vs_duckdb_copy !== null && ratio.chosen_vs_duckdb_copy >= TARGETS.speed_vs_duckdb,
        chosen_peak_rss_le_500_mb: pick !== null && pick.peak_rss_mb <= TARGETS.peak_rss_mb,
        chosen_size_vs_duckdb_le_1_2: ratio.chosen_size_vs_duckdb !== null && ratio.chosen_size_vs_duckdb <= TARGETS.size_vs_duckdb,
      },
      input_batch_rows: INPUT_BATCH_ROWS,
      row_group_rows: options.rowGroupRows,
      duckdb_version: duckdbVersion(),
      node_version: process.versions.node,
      runtime_s: r1((performance.now() - started) / 1000),
    };
    return summary;
  } finally {
    connection.closeSync();
    duckdb.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

type Summary = Awaited<ReturnType<typeof measure>>;

async function main(): Promise<void> {
  const options = parseOptions();
  // Printed after the temp dir is gone, so a closed stdout (`| head`) cannot leave it behind.
  const summary = await measure(options);
  if (!options.json) process.stdout.write(`${table(summary)}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

function table(s: Summary): string {
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const lines = WRITER_NAMES.map((name) => {
    const w = s.writers[name];
    const status = w.read_back_ok ? 'reads back OK' : 'DISQUALIFIED';
    return `  ${name.padEnd(15)} ${w.codec.padEnd(7)} ${fmt(w.rows_per_s).padStart(9)} rows/s  ${fmt(w.peak_rss_mb).padStart(6)} MB peak RSS  ${fmt(w.file_bytes).padStart(12)} bytes  ${status}`;
  });
  return [
    `Parquet bench: ${fmt(s.rows)} Cryo logs rows × ${s.rounds} rounds (medians), ${s.runtime_s} s`,
    ...lines,
    `  chosen: ${s.chosen ?? 'none'}; ${s.ratio.chosen_vs_duckdb_copy ?? '-'}× DuckDB's speed (target ≥ 1.2), ${s.ratio.chosen_size_vs_duckdb ?? '-'}× its file size (target ≤ 1.2)`,
  ].join('\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench:parquet] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
