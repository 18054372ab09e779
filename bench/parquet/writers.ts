/**
 * The Parquet writers under test, behind one interface. Each is loaded by name inside its own child
 * process (see child.ts), so a process only ever maps the library it measures.
 */
export const WRITER_NAMES = ['parquet_wasm', 'duckdb_copy', 'parquetjs_lite'] as const;
export type WriterName = (typeof WRITER_NAMES)[number];

export interface BenchWriter {
  /** Codec written: zstd, except parquetjs-lite, which has no zstd (snappy, gzip only). */
  readonly codec: 'zstd' | 'snappy';
  /** Writes the logs rows of `ipcChunks` to `outPath` as Parquet; returns the rows written. */
  write(ipcChunks: AsyncIterable<Uint8Array>, outPath: string, rowGroupRows: number): Promise<number>;
}

export function isWriterName(name: string): name is WriterName {
  return (WRITER_NAMES as readonly string[]).includes(name);
}

export async function loadWriter(name: WriterName): Promise<BenchWriter> {
  switch (name) {
    case 'parquet_wasm':
      return (await import('./parquetWasmWriter.js')).parquetWasmWriter;
    case 'duckdb_copy':
      return (await import('./duckdbCopyWriter.js')).duckdbCopyWriter;
    case 'parquetjs_lite':
      return (await import('./parquetjsLiteWriter.js')).parquetjsLiteWriter;
  }
}
