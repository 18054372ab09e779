/**
 * The pool job that decodes fetched chain JSON: input by structured clone, output one Arrow IPC
 * stream (schema + one batch, the chunk format `writeParquet` and `compactToParquet` take) moved
 * out without a copy. The Arrow decoders load on the first job, as compaction.ts does for Parquet.
 */
import { move } from 'piscina';
import type { ChainId, CryoDatasetName, FetchedByDataset } from './datasets.js';

export type DecodeChainDatasetInput = {
  [D in CryoDatasetName]: { dataset: D; fetched: FetchedByDataset[D]; chainId: ChainId };
}[CryoDatasetName];

/** Returns the IPC stream's ArrayBuffer (exactly its bytes), moved to the caller. */
export async function decodeChainDataset(input: DecodeChainDatasetInput): Promise<ArrayBuffer> {
  const [{ decodeDataset }, { recordBatchToIpc }] = await Promise.all([import('./datasets.js'), import('../parquet/parquetWriter.js')]);
  const ipc = recordBatchToIpc(decodeDataset<CryoDatasetName>(input.dataset, input.fetched, input.chainId));
  const whole = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
  return move(whole.buffer as ArrayBuffer) as ArrayBuffer;
}
