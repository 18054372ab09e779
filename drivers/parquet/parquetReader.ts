/**
 * Parquet → Arrow IPC on parquet-wasm, the reading half of parquetWriter.ts: a whole file in, one
 * self-contained IPC stream (schema + its record batches) out, in the shape writeParquet takes, so
 * files written by the writer can be merged into one without leaving Arrow.
 */
import './wasmTiering.js';
import { readParquet } from 'parquet-wasm';

/** The rows of a Parquet file as one Arrow IPC stream buffer. */
export function parquetToIpc(file: Uint8Array): Uint8Array {
  // `into…` hands the wasm table's memory over: the table is freed by the call.
  return readParquet(file).intoIPCStream();
}
