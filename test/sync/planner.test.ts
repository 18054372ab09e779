import test from 'ava';
import { OperatorRegistry } from '../../actors/worker/operators/registry.js';
import { parseSyncJobSpec, SyncJobSpecError } from '../../actors/state/syncJobSpec.js';
import { INGEST_OPERATOR } from '../../actors/state/syncJobSpec.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';

const JOB = `kind: chain_sync
name: devnet
chain_id: 10143
mode: {kind: fixed_target, from_block: 0, to_block: 1000}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 100, max_inflight: 3}
  logs: {cryo_dataset_name: logs, rpc_pool: devnet, chunk_size: 250, max_inflight: 2}
`;

/** Stands in for cryo_ingest: reports the range's size as its row count. */
function fakeIngest() {
  const seen: string[] = [];
  const operators = new OperatorRegistry().register(INGEST_OPERATOR, async ({ params }) => {
    seen.push(`${String(params.stream)}:${String(params.start)}-${String(params.end)}`);
    await new Promise((r) => setTimeout(r, 20));
    return { rows: Number(params.end) - Number(params.start) };
  });
  return { operators, seen };
}

test('job files are validated with the field and line named', (t) => {
  t.is(parseSyncJobSpec(JOB).streams.logs!.chunk_size, 250);
  const error = t.throws(() => parseSyncJobSpec(JOB.replace('to_block: 1000', 'to_block: -4').replace('chunk_size: 250', 'chunk_size: "big"')), {
    instanceOf: SyncJobSpecError,
  });
  t.regex(error!.message, /mode\.to_block \(line 4\)/);
  t.regex(error!.message, /streams\.logs\.chunk_size \(line 7\)/);
  t.throws(() => parseSyncJobSpec('kind: chain_sync\nname: [unclosed'), { message: /not valid YAML at line/ });
  t.throws(() => parseSyncJobSpec(JOB.replace('cryo_dataset_name: logs', 'cryo_dataset_name: nfts')), { message: /streams\.logs\.cryo_dataset_name \(line 7\)/ });
});

test('apply twice gives one job; every range is planned exactly once and the job completes', async (t) => {
  const inst = await createInstallation(t);
  const { operators, seen } = fakeIngest();
  const node = await startNode(t, inst, { operators, start: false });
  const spec = parseSyncJobSpec(JOB);
  const first = await node.rt.syncJobs.apply(spec);
  const second = await node.rt.syncJobs.apply(spec);
  t.true(first.created);
  t.deepEqual(second, { jobId: first.jobId, created: false });
  t.is((await node.rt.syncJobs.list()).length, 1);

  // Several planners at once (processes sharing the database) never plan a range twice.
  await Promise.all([1, 2, 3, 4].map(() => node.rt.syncJobs.planOnce()));
  const inflight = await node.rt.syncJobs.status(first.jobId);
  t.is(inflight.streams.blocks!.ranges_in_flight, 3, 'max_inflight bounds planning');
  t.is(inflight.streams.logs!.ranges_in_flight, 2);

  await node.supervisor.start();
  const done = await eventually(async () => {
    const status = await node.rt.syncJobs.status(first.jobId);
    return status.complete ? status : undefined;
  }, 20_000, 'the job to complete');
  t.like(done.streams.blocks, { cursor: 1000, target: 1000, ranges_done: 10, ranges_failed: 0, blocks_done: 1000, rows: 1000 });
  t.like(done.streams.logs, { cursor: 1000, ranges_done: 4, blocks_done: 1000 });
  t.is(seen.length, 14);
  t.is(new Set(seen).size, 14, 'no range ran twice');
  const ledger = await inst.pool.query('SELECT count(*)::int AS n, count(DISTINCT (stream_key, range_start))::int AS d FROM sync_ranges');
  t.deepEqual(ledger.rows[0], { n: 14, d: 14 });
});

test('a paused job plans nothing until resumed', async (t) => {
  const inst = await createInstallation(t);
  const { operators } = fakeIngest();
  const node = await startNode(t, inst, { operators, start: false });
  const { jobId } = await node.rt.syncJobs.apply(parseSyncJobSpec(JOB));
  await node.rt.syncJobs.setStatus('devnet', 'paused');
  t.is(await node.rt.syncJobs.planOnce(), 0);
  await node.rt.syncJobs.setStatus(jobId, 'active');
  t.is(await node.rt.syncJobs.planOnce(), 5);
});

test('a range holds its fetch slot until its attempt has read it; a stream pipelines at most 2 × max_inflight ranges', async (t) => {
  const inst = await createInstallation(t);
  const { operators } = fakeIngest();
  const node = await startNode(t, inst, { operators, start: false });
  const { syncJobs, tasks } = node.rt;
  await syncJobs.apply(parseSyncJobSpec(JOB));
  t.is(await syncJobs.planOnce(), 5);
  t.is(await syncJobs.planOnce(), 0, 'every fetch slot is taken');
  const blockTasks = async (): Promise<string[]> =>
    (await inst.pool.query<{ task_id: string }>("SELECT task_id::text FROM sync_ranges WHERE stream_key = 'blocks' ORDER BY range_start")).rows.map((r) => r.task_id);
  const claim = async (taskId: string) => (await tasks.attempts.claim(taskId, 'test-worker', 30))!;

  const [first, second, third] = await blockTasks();
  const attempt = await claim(first!);
  await syncJobs.rangeFetched({ ...attempt, leaseToken: '00000000-0000-0000-0000-000000000000' });
  t.is(await syncJobs.planOnce(), 0, 'a stale fence frees no slot');
  await syncJobs.rangeFetched(attempt);
  t.is(await syncJobs.planOnce(), 1, 'the range read gives its slot to the next range');

  const read = [attempt];
  for (const id of [second!, third!]) read.push(await claim(id));
  for (const fence of read.slice(1)) await syncJobs.rangeFetched(fence);
  t.is(await syncJobs.planOnce(), 2);
  const [, , , fourth, fifth] = await blockTasks();
  for (const id of [fourth!, fifth!]) await syncJobs.rangeFetched(await claim(id));
  t.is(await syncJobs.planOnce(), 0, '6 ranges of max_inflight 3 in flight: the pipeline is full');
  t.is((await syncJobs.status('devnet')).streams.blocks!.ranges_in_flight, 6);

  // Two ranges read end; of the rest, only the sixth is still to be read: two slots would be free. But
  // the first range is handed back, so its next attempt reads it again and holds a slot till then.
  for (const fence of read.slice(1)) await tasks.attempts.succeed(fence, null);
  await tasks.attempts.handBack(attempt);
  const again = await claim(first!);
  t.is(await syncJobs.planOnce(), 1, 'the range handed back holds a fetch slot again');
  await syncJobs.rangeFetched(again);
  t.is(await syncJobs.planOnce(), 1);
});
