import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../../drivers/store/embeddedS3.js';
import { S3ObjectStore } from '../../drivers/store/s3ObjectStore.js';
import { LazyObjectStore } from '../../drivers/store/lazyObjectStore.js';
import { taskIsFinished } from '../../actors/state/tasks/taskTypes.js';
import { generateLogBatches } from '../../bench/parquet/logsData.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { compactLogs } from '../helpers/compactLogsOperator.js';
import { CRYO_LOGS_DUCKDB_TYPES, duckdb } from '../helpers/duckdb.js';

const operators = () => builtinOperators().register('compact_logs', compactLogs);

/** Row count and column sums as DuckDB reads the file. */
const CHECK_SQL = `SELECT count(*)::BIGINT AS n, sum(log_index)::BIGINT AS li, sum(block_number)::BIGINT AS bn,
  sum(n_data_bytes)::BIGINT AS nd, count(topic3)::BIGINT AS t3`;

test('a Parquet file written by the compaction job on the pool reads back in DuckDB with the same rows and types', async (t) => {
  const inst = await createInstallation(t);
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { operators: operators(), objects });
  const taskId = await node.rt.tasks.runs.submitTask('compact_logs', { rows: 40_000, seed: 7 });
  const task = await eventually(async () => {
    const row = await node.rt.tasks.reads.getTask(taskId);
    return row && taskIsFinished(row) ? row : undefined;
  }, 30_000, 'the compaction task');
  t.is(task.status, 'succeeded', task.last_error ?? '');
  const [version] = await node.rt.registry.listVersions('logs', 1);
  t.is(version?.row_count, '40000');

  const dir = await mkdtemp(join(tmpdir(), 'trace-compaction-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const written = join(dir, 'written.parquet');
  await writeFile(written, await (await objects.get()).getBytes(version!.bucket, version!.object_keys[0]!));
  t.is(Number(version!.bytes), (await (await objects.get()).head(version!.bucket, version!.object_keys[0]!))!.bytes);

  const db = await duckdb(t);
  const batches = [...generateLogBatches({ rows: 40_000, batchRows: 16_384, seed: 7 })];
  const types = await db.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${written}'))`);
  t.deepEqual(types.getRows(), CRYO_LOGS_DUCKDB_TYPES);
  const fromFile = (await db.runAndReadAll(`${CHECK_SQL} FROM read_parquet('${written}')`)).getRows();
  const expected = expectedChecksum(batches);
  t.deepEqual(fromFile[0], [40_000n, expected.logIndex, expected.blockNumber, expected.dataBytes, expected.topic3]);
  const codecs = await db.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${written}')`);
  t.deepEqual(codecs.getRows(), [['ZSTD']]);
});

/** The same figures computed from the Arrow batches that went in. */
function expectedChecksum(batches: readonly RecordBatch[]) {
  const sum = (column: string) => {
    let total = 0n;
    for (const batch of batches) for (const v of batch.getChild(column)!) total += BigInt(v as number);
    return total;
  };
  const topic3 = batches.reduce((n, b) => n + BigInt(b.numRows - b.getChild('topic3')!.nullCount), 0n);
  return { logIndex: sum('log_index'), blockNumber: sum('block_number'), dataBytes: sum('n_data_bytes'), topic3 };
}

test('S3 server stopped mid-upload: the attempt fails cleanly, is retried, and commits once the server is back', async (t) => {
  const inst = await createInstallation(t, { retryBaseSeconds: 1, maxAttempts: 5 });
  const dataDir = await mkdtemp(join(tmpdir(), 'trace-s3-outage-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const credentials = { accessKeyId: inst.config.s3AccessKeyId, secretAccessKey: inst.config.s3SecretAccessKey };
  let server: EmbeddedS3 = await startEmbeddedS3({ dataDir, ...credentials });
  t.teardown(() => server.stop());
  const endpoint = server.endpoint;
  const connection = { ...credentials, region: inst.config.s3Region, endpoint, forcePathStyle: true };
  const objects = new LazyObjectStore(async () => {
    const store = new S3ObjectStore(connection);
    await store.ensureBuckets(['datasets', 'results', 'scratch']);
    return { store, endpoint, embedded: false, lifetime: 'external' as const, connection, stop: async () => store.close() };
  });
  t.teardown(() => objects.close());
  const node = await startNode(t, inst, { operators: operators(), objects });

  const taskId = await node.rt.tasks.runs.submitTask('compact_logs', { rows: 300_000 });
  await eventually(async () => ((await inst.pool.query('SELECT 1 FROM staged_objects')).rowCount ? true : undefined), 20_000, 'the upload to start');
  await server.stop();
  const failed = await eventually(async () => {
    const task = await node.rt.tasks.reads.getTask(taskId);
    return task && task.failures >= 1 ? task : undefined;
  }, 30_000, 'the attempt to fail');
  t.regex(failed.last_error ?? '', /ECONNREFUSED|socket|connect|timed? ?out|aborted/i);
  t.deepEqual(await node.rt.registry.listVersions('logs', 1), [], 'nothing was registered by the failed attempt');

  server = await startEmbeddedS3({ dataDir, ...credentials, port: Number(new URL(endpoint).port) });
  const done = await eventually(async () => {
    const task = await node.rt.tasks.reads.getTask(taskId);
    return task && taskIsFinished(task) ? task : undefined;
  }, 60_000, 'the retry to finish');
  t.is(done.status, 'succeeded', done.last_error ?? '');
  const versions = await node.rt.registry.listVersions('logs', 1);
  t.is(versions.length, 1);
  t.is(versions[0]!.row_count, '300000');
  t.is(versions[0]!.attempt, done.attempt);
  t.truthy(await (await objects.get()).head('datasets', versions[0]!.object_keys[0]!));
});
