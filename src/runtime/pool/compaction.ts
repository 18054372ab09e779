import { Readable } from 'node:stream';
import type { S3ObjectStoreOptions } from '../../drivers/store/s3ObjectStore.js';
import type { ObjectStore } from '../../drivers/store/objectStore.js';
import type { ParquetCompression } from '../../drivers/parquet/parquetWriter.js';

export interface CompactionInput {
  /** Arrow IPC streams (schema + batch each), transferred from the caller. */
  ipc: ArrayBuffer[];
  compression: ParquetCompression;
  rowGroupRows?: number;
  store: S3ObjectStoreOptions;
  bucket: string;
  key: string;
}

export interface CompactionResult {
  rows: number;
  bytes: number;
  etag: string;
}

/** One S3 client per pool thread and store, reused across jobs. */
const stores = new Map<string, Promise<ObjectStore>>();

function storeFor(options: S3ObjectStoreOptions): Promise<ObjectStore> {
  const id = JSON.stringify(options);
  let store = stores.get(id);
  if (!store) {
    store = import('../../drivers/store/s3ObjectStore.js').then(({ S3ObjectStore }) => new S3ObjectStore(options));
    stores.set(id, store);
  }
  return store;
}

/**
 * Arrow record batches → Parquet → a staging object, inside a pool thread. Parquet parts are
 * streamed into the (multipart) upload row group by row group, so memory is bounded by a row group
 * and the upload's part buffers (bench/parquet: ~230 MB peak for 1,000,000 logs rows), never by the
 * file. The Parquet and S3 libraries load on the first job, so idle pool threads stay light.
 */
export async function compactToParquet(input: CompactionInput): Promise<CompactionResult> {
  const [{ writeParquet }, store] = await Promise.all([import('../../drivers/parquet/parquetWriter.js'), storeFor(input.store)]);
  let rows = 0;
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    const parts = writeParquet(
      input.ipc.map((buffer) => new Uint8Array(buffer)),
      { compression: input.compression, rowGroupRows: input.rowGroupRows },
    );
    for (;;) {
      const next = await parts.next();
      if (next.done) {
        rows = next.value;
        return;
      }
      bytes += next.value.byteLength;
      yield next.value;
    }
  }
  const { etag } = await store.put(input.bucket, input.key, Readable.from(counted()), { contentType: 'application/vnd.apache.parquet' });
  return { rows, bytes, etag };
}
