import test from 'ava';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { COMPACT_OPERATOR } from '../../actors/state/compactions.js';
import { dispatchChannel } from '../../actors/state/dispatchEvents.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { pauseAt } from '../../runtime/failpoints.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';

const JOB = `kind: chain_sync
name: wake
chain_id: 79
mode: {kind: fixed_target, from_block: 0, to_block: 100}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 10, max_inflight: 2}
`;

/** Long enough for the planner's idle interval to back off from 100 ms past 6 s (it doubles up to 30 s). */
const IDLE_MS = 13_000;

test('an idle dispatcher backs off, and a job applied elsewhere is planned at once (NOTIFY), not at the next idle poll', async (t) => {
  const inst = await createInstallation(t);
  await startNode(t, inst, { roles: ['dispatcher'] });
  const applier = await startNode(t, inst, { start: false });
  await new Promise((r) => setTimeout(r, IDLE_MS));
  // Apply right after an idle tick: without a wake-up the next one is ~25 s away.
  const tick = pauseAt('planner.tick');
  await tick.reached;
  tick.release();

  const appliedAt = Date.now();
  await applier.rt.syncJobs.apply(parseSyncJobSpec(JOB));
  await eventually(async () => ((await inst.pool.query('SELECT 1 FROM sync_ranges')).rowCount === 2 ? true : undefined), 10_000, 'the first ranges planned');
  const tookMs = Date.now() - appliedAt;
  t.true(tookMs < 2_000, `planned ${tookMs} ms after the job was applied (the next idle poll is ~25 s away)`);
});

test('a compaction that ends wakes the planners (NOTIFY plan), as a sync range that ends does', async (t) => {
  const inst = await createInstallation(t);
  const listener = new pg.Client({ connectionString: inst.url });
  await listener.connect();
  t.teardown(() => listener.end());
  const channel = dispatchChannel(inst.schemas);
  const events: string[] = [];
  listener.on('notification', (n) => events.push(n.payload ?? ''));
  await listener.query(`LISTEN "${channel}"`);
  const node = await startNode(t, inst, { roles: ['publisher', 'heartbeat', 'worker'] });
  // Parameters the compact operator refuses: its one attempt fails terminally, which ends the task.
  const taskId = await node.rt.tasks.runs.submitTask(COMPACT_OPERATOR, { dataset: 'no_such_dataset' }, 1);
  await eventually(async () => ((await node.rt.tasks.reads.getTask(taskId))?.status === 'failed' ? true : undefined), 20_000, 'the compaction failed');
  await eventually(async () => (events.includes('plan') ? true : undefined), 5_000, "NOTIFY 'plan' on the dispatch channel");
  t.pass();
});

test('an idle worker holds no pool thread; a job applied elsewhere warms its threads for ingest', async (t) => {
  const inst = await createInstallation(t);
  const worker = await startNode(t, inst, { roles: ['worker'] });
  const applier = await startNode(t, inst, { start: false });
  t.is(worker.rt.threads.threads, 0, 'no thread while no job exists');
  await applier.rt.syncJobs.apply(parseSyncJobSpec(JOB));
  // warm() on a warm pool returns at once with its thread count: every thread warmed by the apply's NOTIFY.
  const warmThreads = await eventually(async () => (worker.rt.threads.threads === availableParallelism() ? worker.rt.threads.warm('warmIngest', undefined) : undefined), 10_000, 'the threads started');
  t.is(warmThreads, availableParallelism());
});
