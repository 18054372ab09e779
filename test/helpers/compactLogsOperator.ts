import type { Operator } from '../../src/operators/registry.js';
import { recordBatchesToIpcChunks } from '../../src/drivers/parquet/parquetWriter.js';
import { cryoFileName } from '../../src/state/stagingKeys.js';
import type { JsonValue } from '../../src/state/taskStore.js';
import { generateLogBatches } from '../../bench/parquet/logsData.js';

/** Test operator: `rows` seeded logs rows for [start, end) → Parquet on the pool → staged → committed. */
export const compactLogs: Operator = async ({ params, outputs, signal }) => {
  const start = Number(params.start ?? 0);
  const end = Number(params.end ?? 1000);
  const rows = Number(params.rows ?? 10_000);
  const ipc = [...recordBatchesToIpcChunks(generateLogBatches({ rows, batchRows: 16_384, seed: Number(params.seed ?? 1) }))].map(
    (chunk) => chunk.buffer as ArrayBuffer,
  );
  const key = `${outputs.stagingPrefix('logs', 1)}${cryoFileName('network_1', 'logs', start, end)}`;
  const written = await outputs.stageParquet(outputs.buckets.datasets, key, ipc, { signal });
  const result = await outputs.commit({
    dataset: 'logs',
    chainId: 1,
    rangeStart: start,
    rangeEnd: end,
    configHash: 'test',
    bucket: outputs.buckets.datasets,
    objectKeys: [key],
    rowCount: written.rows,
    bytes: written.bytes,
  });
  return { key, rows: written.rows, bytes: written.bytes, registered: result.registered } as JsonValue;
};
