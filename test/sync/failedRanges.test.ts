import test from 'ava';
import { OperatorRegistry } from '../../actors/worker/operators/registry.js';
import { INGEST_OPERATOR, parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { trimHotRows } from '../../actors/state/hotRows.js';
import { eventually } from '../helpers/installation.js';
import { startGateway } from '../helpers/gateway.js';
import { startNode } from '../helpers/node.js';

const CHAIN = 78;
const JOB = `kind: chain_sync
name: gappy
chain_id: ${CHAIN}
mode: {kind: fixed_target, from_block: 0, to_block: 20}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 5, max_inflight: 4}
`;

test('a range that failed for good is shown with its error and planned again by retry (HTTP and the store alike)', async (t) => {
  const { base, node: gateway, inst } = await startGateway(t, { maxAttempts: 1, retryBaseSeconds: 0.1 });
  let broken = true;
  const operators = new OperatorRegistry().register(INGEST_OPERATOR, async ({ params }) => {
    if (broken && params.start === 5) throw new Error('node answered 500 for [5, 10)');
    return { rows: Number(params.end) - Number(params.start) };
  });
  await startNode(t, inst, { operators, roles: ['dispatcher', 'publisher', 'worker', 'heartbeat'] });
  await gateway.rt.syncJobs.apply(parseSyncJobSpec(JOB));

  const settled = await eventually(async () => {
    const status = await gateway.rt.syncJobs.status('gappy');
    return status.streams.blocks!.ranges_done === 3 && status.failed_ranges.length === 1 ? status : undefined;
  }, 15_000, 'three ranges done and one failed');
  t.like(settled.failed_ranges[0], { stream: 'blocks', start: 5, end: 10 });
  t.regex(settled.failed_ranges[0]!.error ?? '', /node answered 500/);
  t.false(settled.complete);

  broken = false;
  const response = await fetch(`${base}/v1/jobs/gappy/retry`, { method: 'POST' });
  t.is(response.status, 200);
  t.like(((await response.json()) as { retried: unknown[] }).retried, [{ stream: 'blocks', start: 5, end: 10 }]);
  const done = await eventually(async () => {
    const status = await gateway.rt.syncJobs.status('gappy');
    return status.complete ? status : undefined;
  }, 15_000, 'the job to complete after the retry');
  t.deepEqual(done.failed_ranges, []);
  t.is(done.streams.blocks!.ranges_done, 4);
  const ledger = await inst.pool.query(`SELECT 1 FROM ${inst.schemas.state}.sync_ranges`);
  t.is(ledger.rowCount, 4, 'still one ledger row per range');
  t.deepEqual(await gateway.rt.syncJobs.retryFailed('gappy'), [], 'nothing left to retry');
  const unknown = await fetch(`${base}/v1/jobs/nope/retry`, { method: 'POST' });
  t.is(unknown.status, 404);
});

test('hot retention trims whole old ranges even behind a gap in the registry, never a range in part', async (t) => {
  const { inst, node } = await startGateway(t);
  const taskId = await node.rt.tasks.runs.submitTask('noop', {});
  // Ranges [0,10) and [20,30) … [50,60) registered, [10,20) missing (failed): the cold watermark is 10.
  for (const start of [0, 20, 30, 40, 50]) {
    await inst.pool.query(
      `INSERT INTO ${inst.schemas.state}.dataset_versions
         (dataset, chain_id, range_start, range_end, config_hash, bucket, object_keys, manifest_key, row_count, bytes, task_id, attempt)
       VALUES ('blocks', $1, $2::bigint, $3, 'c', 'b', ARRAY['k' || $2::bigint], 'm' || $2::bigint, 10, 1, $4, 1)`,
      [CHAIN, start, start + 10, taskId],
    );
  }
  await inst.pool.query(
    `INSERT INTO ${inst.schemas.data}.blocks (block_number, block_hash, timestamp, author, gas_used, extra_data, chain_id, parent_hash)
     SELECT b, int8send(b), b, '\\x00', 0, '\\x', $1, '\\x' FROM generate_series(0, 59) AS b WHERE b < 10 OR b >= 20`,
    [CHAIN],
  );
  // Newest hot block 59, retention 25: keep from 34; [0,10) and [20,30) end before it and go whole,
  // [30,40) straddles it and stays whole (half a range would be served as if it were all of it).
  await trimHotRows(inst.pool, inst.schemas.data, 25);
  const left = await inst.pool.query<{ first: string; n: string }>(
    `SELECT min(block_number)::text AS first, count(*)::text AS n FROM ${inst.schemas.data}.blocks WHERE chain_id = $1`,
    [CHAIN],
  );
  t.deepEqual(left.rows[0], { first: '30', n: '30' });
});
