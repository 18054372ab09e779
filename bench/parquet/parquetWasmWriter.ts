/** parquet-wasm through the project's own streaming writer (drivers/parquet), zstd. */
import { writeParquetFile } from '../../drivers/parquet/parquetWriter.js';
import type { BenchWriter } from './writers.js';

export const parquetWasmWriter: BenchWriter = {
  codec: 'zstd',
  async write(ipcChunks, outPath, rowGroupRows) {
    const { rows } = await writeParquetFile(ipcChunks, outPath, { compression: 'zstd', rowGroupRows });
    return rows;
  },
};
