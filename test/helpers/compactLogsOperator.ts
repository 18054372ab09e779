import type { Operator } from '../../actors/worker/operators/registry.js';
import { recordBatchesToIpcChunks } from '../../drivers/parquet/parquetWriter.js';
import type { JsonValue } from '../../actors/state/tasks/taskTypes.js';
import { generateLogBatches } from '../../bench/parquet/logsData.js';

/** Test operator: `rows` seeded logs rows for [start, end) → Parquet on the pool → staged → committed. */
export const compactLogs: Operator = async ({ params, outputs, signal }) => {
  const start = Number(params.start ?? 0);
  const end = Number(params.end ?? 1000);
  const rows = Number(params.rows ?? 10_000);
  const ipc = [...recordBatchesToIpcChunks(generateLogBatches({ rows, batchRows: 16_384, seed: Number(params.seed ?? 1) }))].map(
    (chunk) => chunk.buffer as ArrayBuffer,
  );
  const key = outputs.stagingKey('logs', 1, start, end);
  const written = await outputs.stageParquet(outputs.buckets.datasets, key, ipc, { signal });
  const result = await outputs.commitFile({ dataset: 'logs', chainId: 1, start, end, configHash: 'test', key, rows: written.rows, bytes: written.bytes });
  return { key, rows: written.rows, bytes: written.bytes, registered: result.registered } as JsonValue;
};
