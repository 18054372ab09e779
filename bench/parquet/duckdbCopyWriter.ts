/**
 * The reference path: DuckDB's appender fills an in-memory table from the Arrow batches, 2,048-row
 * data chunks at a time (DuckDB's vector size), then `COPY … TO … (FORMAT parquet, COMPRESSION
 * zstd)` writes the file with DuckDB's defaults (122,880-row groups, zstd level 3).
 */
import { DuckDBBlobValue, DuckDBDataChunk, DuckDBInstance, DuckDBVector, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';
import { tableFromIPC, type RecordBatch } from 'apache-arrow';
import { cryoColumns } from '../../actors/query/relations.js';
import { sqlString } from './checksum.js';
import type { BenchWriter } from './writers.js';

export const duckdbCopyWriter: BenchWriter = {
  codec: 'zstd',
  async write(ipcChunks, outPath, rowGroupRows) {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const columns = cryoColumns('logs').map(({ name, type }) => `${name} ${type}`);
      await connection.run(`CREATE TABLE logs (${columns.join(', ')})`);
      const appender = await connection.createAppender('logs');
      let rows = 0;
      for await (const chunk of ipcChunks) {
        for (const batch of tableFromIPC(chunk).batches) rows += appendBatch(appender, batch);
      }
      appender.closeSync();
      await connection.run(
        `COPY logs TO ${sqlString(outPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupRows})`,
      );
      return rows;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  },
};

function appendBatch(appender: DuckDBAppender, batch: RecordBatch): number {
  const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
  const size = DuckDBVector.standardSize();
  for (let start = 0; start < batch.numRows; start += size) {
    const count = Math.min(size, batch.numRows - start);
    const chunk = DuckDBDataChunk.create(types, count);
    types.forEach((_, columnIndex) => {
      const column = batch.getChildAt(columnIndex);
      if (column === null) throw new Error(`batch has no column ${columnIndex}`);
      const vector = chunk.getColumnVector(columnIndex);
      for (let row = 0; row < count; row++) vector.setItem(row, toDuckDBValue(column.get(start + row)));
      vector.flush();
    });
    appender.appendDataChunk(chunk);
  }
  return batch.numRows;
}

/** Arrow UInt32 → number, UInt64 → bigint, Binary → blob, null → NULL. */
function toDuckDBValue(value: unknown): DuckDBValue | null {
  if (value === null || typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) return new DuckDBBlobValue(value);
  throw new TypeError(`unexpected Arrow value ${typeof value}`);
}
