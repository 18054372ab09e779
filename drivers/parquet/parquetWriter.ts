/**
 * Arrow IPC → Parquet, streamed row group by row group, on parquet-wasm (the Rust `parquet` crate's
 * AsyncArrowWriter compiled to WebAssembly). Chosen by `bench/parquet` (1,000,000 Cryo-logs rows,
 * zstd, medians of 3 rounds): ~555k rows/s against ~250–350k for DuckDB's appender + COPY (its JS
 * appender dominates; the run-to-run spread is machine load) and ~27k for parquetjs-lite (snappy
 * only); ~230 MB peak RSS against ~960 MB for DuckDB; a file 1.11× the size of DuckDB's (zstd level
 * is not settable in parquet-wasm 0.8; DuckDB uses level 3). Time is all inside wasm, one thread:
 * ~1.9 s per 1,000,000 rows with zstd, ~1.3 s with snappy (+15% bytes).
 *
 * Input is a sequence of self-contained Arrow IPC *stream* buffers (schema + record batches), the
 * shape a pool job receives when batches move between threads as transferable ArrayBuffers; build
 * them with `recordBatchesToIpcChunks`. Output is the Parquet file as byte parts, one part per
 * finished row group (the last part carries the footer), so memory is bounded by one row group in
 * the writer plus one input chunk, not by the file.
 *
 * parquet-wasm's Node entry (`parquet-wasm` resolved with the "node" condition, CommonJS) compiles
 * and instantiates its ~5 MB module synchronously at import (~30 ms on an idle thread): no init
 * call is needed, and every worker thread (Piscina included) that imports this module gets its own
 * instance and wasm heap. That heap grows to the high-water mark of the largest row group (~50 MB
 * at the default size) and never shrinks, so it stays with the worker between jobs.
 */
import { open } from 'node:fs/promises';
import './wasmTiering.js';
import {
  makeData,
  RecordBatch as ArrowRecordBatch,
  RecordBatchStreamWriter,
  Struct,
  tableFromIPC,
  type Table as ArrowTable,
} from 'apache-arrow';
import {
  Compression,
  Table as WasmTable,
  transformParquetStream,
  WriterPropertiesBuilder,
  WriterVersion,
  type RecordBatch as WasmRecordBatch,
} from 'parquet-wasm';

export type ParquetCompression = 'zstd' | 'snappy';

export interface ParquetWriteOptions {
  compression: ParquetCompression;
  /** Rows per row group; default DEFAULT_ROW_GROUP_ROWS. */
  rowGroupRows?: number;
}

/**
 * 122,880 rows per row group, DuckDB's own default (60 vectors of 2,048). Measured on 1,000,000
 * Cryo-logs rows (~284 B/row as Arrow IPC, so ~35 MB per row group before encoding, ~9 MB after
 * zstd): writer process peak RSS ~210 MB (wasm heap 52 MB) and a 72.3 MB file, against ~188 MB and
 * a 5% larger file at 32,768 rows, and ~445 MB at the Rust crate's default of 1,048,576 (the open
 * row group is held in memory until it is flushed). Speed is the same (±5%) across those sizes. A
 * 1,000,000-row file still has 9 row groups for DuckDB to scan in parallel.
 */
export const DEFAULT_ROW_GROUP_ROWS = 122_880;

const CODECS: Record<ParquetCompression, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
};

type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** What was written: the file's size and rows (rows is also the generator's return value). */
export interface ParquetWriteResult {
  bytes: number;
  rows: number;
}

/**
 * Streams `ipcChunks` into one Parquet file and yields its bytes part by part. Every chunk must
 * carry the same Arrow schema (checked: parquet-wasm itself would trap on a mismatch and take the
 * process down). A chunk with a schema and no batches is fine; if no chunk has any batch the file
 * has the schema and 0 rows. No chunk at all is an error (the schema is unknown).
 *
 * Errors from `ipcChunks` are rethrown here: parquet-wasm would otherwise drop the failed input and
 * close a valid-looking, truncated file. If the consumer stops early, the input iterator is closed.
 * Returns (as the generator's return value) the number of rows written.
 */
export async function* writeParquet(ipcChunks: ChunkSource, options: ParquetWriteOptions): AsyncGenerator<Uint8Array, number, undefined> {
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isSafeInteger(rowGroupRows) || rowGroupRows < 1) {
    throw new RangeError(`rowGroupRows must be a positive integer, got ${rowGroupRows}`);
  }
  const codec = CODECS[options.compression];
  if (codec === undefined) throw new RangeError(`unsupported compression ${String(options.compression)}`);

  const source = new WasmBatchSource(ipcChunks);
  const properties = new WriterPropertiesBuilder()
    .setCompression(codec)
    .setMaxRowGroupSize(rowGroupRows)
    .setWriterVersion(WriterVersion.V1)
    .setCreatedBy('trace-lite (parquet-wasm 0.8.0)')
    .build();

  let output: ReadableStream<unknown>;
  try {
    output = await transformParquetStream(source.stream, properties);
  } catch (err) {
    throw source.failure ?? err;
  }
  const reader = output.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (source.failure !== undefined) throw source.failure;
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError('parquet-wasm yielded a non-byte chunk');
      yield value;
    }
    finished = true;
  } finally {
    if (!finished) {
      // parquet-wasm keeps pulling input after its output is cancelled (write errors are ignored
      // there), so end the input too: it then closes at once.
      await source.abandon();
      await reader.cancel().catch(() => undefined);
    }
    reader.releaseLock();
  }
  return source.rows;
}

/** Writes the Parquet file to `path` (created or truncated). */
export async function writeParquetFile(ipcChunks: ChunkSource, path: string, options: ParquetWriteOptions): Promise<ParquetWriteResult> {
  const file = await open(path, 'w');
  let bytes = 0;
  try {
    const parts = writeParquet(ipcChunks, options);
    for (;;) {
      const next = await parts.next();
      if (next.done === true) return { bytes, rows: next.value };
      await file.write(next.value);
      bytes += next.value.byteLength;
    }
  } finally {
    await file.close();
  }
}

/**
 * One self-contained Arrow IPC stream (schema + one batch) per record batch: each buffer can be
 * transferred to another thread on its own (`postMessage(buf, [buf.buffer])`) and decoded alone.
 */
export function* recordBatchesToIpcChunks(batches: ArrowTable | Iterable<ArrowRecordBatch>): Generator<Uint8Array, void, undefined> {
  const list = 'batches' in batches ? batches.batches : batches;
  for (const batch of list) yield recordBatchToIpc(batch);
}

/** A single record batch as a self-contained Arrow IPC stream buffer. */
export function recordBatchToIpc(batch: ArrowRecordBatch): Uint8Array {
  return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
}

/**
 * Pull-based ReadableStream of wasm RecordBatches decoded from the IPC chunks: the wasm writer
 * pulls the next chunk only when it has taken the previous one (highWaterMark 0), so at most one
 * decoded chunk waits beside the open row group.
 */
class WasmBatchSource {
  readonly stream: ReadableStream<WasmRecordBatch>;
  /** The first error from the input or from validation; the consumer rethrows it. */
  failure: unknown = undefined;
  /** Rows handed to the writer so far. */
  rows = 0;
  private readonly iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private schemaIpc: Uint8Array | undefined;
  private chunks = 0;
  private batches = 0;
  private abandoned = false;

  constructor(ipcChunks: ChunkSource) {
    this.iterator = Symbol.asyncIterator in ipcChunks ? ipcChunks[Symbol.asyncIterator]() : ipcChunks[Symbol.iterator]();
    this.stream = new ReadableStream<WasmRecordBatch>(
      {
        pull: async (controller) => {
          try {
            if (this.abandoned || !(await this.enqueueNext(this.iterator, controller))) controller.close();
          } catch (err) {
            this.failure ??= err;
            controller.error(err);
          }
        },
        cancel: () => this.abandon(),
      },
      { highWaterMark: 0 },
    );
  }

  /** Stops reading: the input iterator is closed and the writer sees the end of its input. */
  async abandon(): Promise<void> {
    if (this.abandoned) return;
    this.abandoned = true;
    await this.iterator.return?.();
  }

  /** Enqueues the batches of the next chunk that has any; false at the end of the input. */
  private async enqueueNext(
    iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>,
    controller: ReadableStreamDefaultController<WasmRecordBatch>,
  ): Promise<boolean> {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        if (this.schemaIpc === undefined) throw new Error('writeParquet: no Arrow IPC chunks, so no schema to write');
        if (this.batches > 0) return false;
        // Every chunk was schema-only: write a 0-row file rather than none.
        controller.enqueue(emptyWasmBatch(this.schemaIpc));
        this.batches++;
        return true;
      }
      const table = decodeChunk(next.value, this.chunks);
      try {
        this.checkSchema(table);
        const batches = table.recordBatches();
        for (const batch of batches) {
          this.rows += batch.numRows;
          controller.enqueue(batch);
        }
        this.batches += batches.length;
        if (batches.length > 0) return true;
      } finally {
        table.free();
      }
    }
  }

  private checkSchema(table: WasmTable): void {
    const schemaIpc = table.schema.intoIPCStream();
    const index = this.chunks++;
    if (this.schemaIpc === undefined) this.schemaIpc = schemaIpc;
    else if (!Buffer.from(schemaIpc).equals(this.schemaIpc)) {
      throw new Error(`writeParquet: IPC chunk ${index} has a different Arrow schema from chunk 0`);
    }
  }
}

function decodeChunk(chunk: Uint8Array, index: number): WasmTable {
  try {
    return WasmTable.fromIPCStream(chunk);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`writeParquet: IPC chunk ${index} is not a valid Arrow IPC stream: ${reason}`, { cause: err });
  }
}

function emptyWasmBatch(schemaIpc: Uint8Array): WasmRecordBatch {
  const { schema } = tableFromIPC(schemaIpc);
  const children = schema.fields.map((field) => makeData({ type: field.type, length: 0 }));
  const empty = new ArrowRecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }));
  const table = WasmTable.fromIPCStream(recordBatchToIpc(empty));
  try {
    const [batch] = table.recordBatches();
    if (batch === undefined) throw new Error('writeParquet: could not build an empty record batch');
    return batch;
  } finally {
    table.free();
  }
}
