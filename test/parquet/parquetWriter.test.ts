import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBBlobValue } from '@duckdb/node-api';
import { CRYO_LOGS_DUCKDB_TYPES, duckdb } from '../helpers/duckdb.js';
import { Field, Schema, Table, tableFromArrays, tableFromIPC, tableToIPC, Uint32, type RecordBatch } from 'apache-arrow';
import { DATASET_CATALOG } from '../../drivers/datasets/catalog.js';
import {
  recordBatchesToIpcChunks,
  recordBatchToIpc,
  writeParquet,
  writeParquetFile,
} from '../../drivers/parquet/parquetWriter.js';
import { generateLogBatches } from '../../bench/parquet/logsData.js';

const CRYO_LOGS_COLUMNS = DATASET_CATALOG.logs.columns.map((column) => column.name);

function tempFile(t: ExecutionContext, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'parquet-writer-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

const sqlPath = (path: string): string => `'${path.replaceAll("'", "''")}'`;

/** One comparable text per value: integers in decimal, blobs in hex, NULL as null. */
function normalize(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('hex');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  throw new Error(`unexpected value ${typeof value}`);
}

function arrowRows(batches: readonly RecordBatch[]): (string | null)[][] {
  const rows: (string | null)[][] = [];
  for (const batch of batches) {
    const columns = CRYO_LOGS_COLUMNS.map((name) => batch.getChild(name)!);
    for (let i = 0; i < batch.numRows; i++) rows.push(columns.map((column) => normalize(column.get(i))));
  }
  return rows;
}

test('logs written in several row groups read back in DuckDB with the same types, nulls and values', async (t) => {
  const batches = [...generateLogBatches({ rows: 5_000, batchRows: 1_000, seed: 7 })];
  const path = tempFile(t, 'logs.parquet');
  const written = await writeParquetFile(recordBatchesToIpcChunks(batches), path, { compression: 'zstd', rowGroupRows: 2_000 });
  t.is(written.rows, 5_000);
  const db = await duckdb(t);

  const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlPath(path)})`);
  t.deepEqual(
    described.getRowObjectsJS().map((row) => [row['column_name'], row['column_type']]),
    CRYO_LOGS_DUCKDB_TYPES.map(([name, type]) => [name, type]),
  );

  const read = await db.runAndReadAll(`SELECT * FROM read_parquet(${sqlPath(path)}) ORDER BY block_number, log_index`);
  const actual = read.getRows().map((row) => row.map(normalize));
  const expected = arrowRows(batches);
  t.is(actual.length, 5_000);
  t.deepEqual(actual, expected);
  // The data has null topics (anonymous events, fewer than 4 topics) and they stay NULL.
  const topic3 = CRYO_LOGS_COLUMNS.indexOf('topic3');
  const nullTopic3 = expected.filter((row) => row[topic3] === null).length;
  t.true(nullTopic3 > 0 && nullTopic3 < 5_000);
  t.is(actual.filter((row) => row[topic3] === null).length, nullTopic3);

  const groups = await db.runAndReadAll(
    `SELECT row_group_id, any_value(row_group_num_rows)::INTEGER AS rows, list_distinct(list(compression)) AS codecs
     FROM parquet_metadata(${sqlPath(path)}) GROUP BY row_group_id ORDER BY row_group_id`,
  );
  const rowGroups = groups.getRowObjectsJS();
  t.deepEqual(rowGroups.map((g) => g['rows']), [2_000, 2_000, 1_000]);
  for (const group of rowGroups) t.deepEqual(group['codecs'], ['ZSTD']);
});

test('snappy is recorded as the codec when asked for', async (t) => {
  const path = tempFile(t, 'snappy.parquet');
  await writeParquetFile(recordBatchesToIpcChunks(generateLogBatches({ rows: 300, batchRows: 300 })), path, { compression: 'snappy' });
  const db = await duckdb(t);
  const codecs = await db.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata(${sqlPath(path)})`);
  t.deepEqual(codecs.getRows(), [['SNAPPY']]);
});

test('output comes row group by row group, not as one file-sized buffer', async (t) => {
  const parts: number[] = [];
  const chunks = recordBatchesToIpcChunks(generateLogBatches({ rows: 4_000, batchRows: 500 }));
  for await (const part of writeParquet(chunks, { compression: 'zstd', rowGroupRows: 1_000 })) parts.push(part.byteLength);
  t.true(parts.length >= 4, `got ${parts.length} parts`);
});

test('every IPC chunk is a self-contained Arrow stream holding one batch', (t) => {
  const batches = [...generateLogBatches({ rows: 2_500, batchRows: 1_000 })];
  const chunks = [...recordBatchesToIpcChunks(batches)];
  t.is(chunks.length, 3);
  t.deepEqual(chunks.map((chunk) => tableFromIPC(chunk).numRows), [1_000, 1_000, 500]);
  t.deepEqual(tableFromIPC(chunks[2]!).schema.fields.map((f) => f.name), [...CRYO_LOGS_COLUMNS]);
});

test('a chunk with a different schema or broken IPC is refused, not written', async (t) => {
  const first = recordBatchToIpc(tableFromArrays({ a: Uint32Array.of(1, 2) }).batches[0]!);
  const second = recordBatchToIpc(tableFromArrays({ a: Float64Array.of(1.5) }).batches[0]!);
  await t.throwsAsync(writeParquetFile([first, second], tempFile(t, 'mixed.parquet'), { compression: 'zstd' }), {
    message: /chunk 1 has a different Arrow schema/,
  });
  await t.throwsAsync(writeParquetFile([first, first.subarray(0, first.length - 20)], tempFile(t, 'cut.parquet'), { compression: 'zstd' }), {
    message: /chunk 1 is not a valid Arrow IPC stream/,
  });
  // The wasm instance is still usable after both refusals.
  const ok = await writeParquetFile([first, first], tempFile(t, 'ok.parquet'), { compression: 'zstd' });
  t.is(ok.rows, 4);
});

test('an input error fails the write instead of closing a truncated file', async (t) => {
  const chunk = recordBatchToIpc(tableFromArrays({ a: Uint32Array.of(1, 2, 3) }).batches[0]!);
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield chunk;
    yield chunk;
    throw new Error('upstream went away');
  }
  await t.throwsAsync(writeParquetFile(failing(), tempFile(t, 'failed.parquet'), { compression: 'zstd' }), {
    message: 'upstream went away',
  });
});

test('schema-only input writes a 0-row file with the schema; no input at all is refused', async (t) => {
  // An IPC stream with the schema message and no batch, as a producer with nothing to send writes it.
  const schemaOnly = tableToIPC(new Table(new Schema([new Field('block_number', new Uint32(), false)])), 'stream');
  const path = tempFile(t, 'empty.parquet');
  const written = await writeParquetFile([schemaOnly], path, { compression: 'zstd' });
  t.is(written.rows, 0);
  const db = await duckdb(t);
  const read = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${sqlPath(path)})`);
  t.deepEqual(read.getRows(), [[0]]);
  await t.throwsAsync(writeParquetFile([], tempFile(t, 'none.parquet'), { compression: 'zstd' }), { message: /no Arrow IPC chunks/ });
});

test('a consumer that stops early closes the input', async (t) => {
  let closed = false;
  function* chunks(): Generator<Uint8Array> {
    try {
      yield* recordBatchesToIpcChunks(generateLogBatches({ rows: 20_000, batchRows: 1_000 }));
    } finally {
      closed = true;
    }
  }
  for await (const part of writeParquet(chunks(), { compression: 'zstd', rowGroupRows: 1_000 })) {
    t.true(part.byteLength > 0);
    break;
  }
  t.true(closed);
});

test('rowGroupRows must be a positive integer', async (t) => {
  await t.throwsAsync(writeParquetFile([], tempFile(t, 'x.parquet'), { compression: 'zstd', rowGroupRows: 0 }), { instanceOf: RangeError });
});
