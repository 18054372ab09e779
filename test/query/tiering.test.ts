/**
 * Tiers by age at work: a query reads each block once, from exactly one tier, at the hot boundary,
 * across it while compaction swaps versions and the janitor trims, and while the boundary moves
 * with new commits. (Serial: the first test pauses compactions at a process-wide failpoint.)
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trimHotRows } from '../../actors/state/hotRows.js';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import { waitForTask } from '../../cli/submissions.js';
import { pauseAt } from '../../runtime/failpoints.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { writeBlocks } from '../helpers/writeBlocksOperator.js';

/** The hot tier is the newest 60 blocks; compaction merges 100-block spans of 20-block ranges. */
const RETENTION = 60;
const RANGE = 20;

async function setUp(t: ExecutionContext): Promise<TestNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trace-tiers-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const inst = await createInstallation(t, { dataDir, hotRetentionBlocks: RETENTION, compactionBlocks: 100 });
  const { objects } = await embeddedObjects(t, inst);
  return startNode(t, inst, { objects, operators: builtinOperators().register('write_blocks', writeBlocks) });
}

/** Commits [from, to) as 20-block ranges with their hot rows, in order. */
async function writeRanges(node: TestNode, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += RANGE) {
    const taskId = await node.rt.tasks.runs.submitTask('write_blocks', { start, end: start + RANGE });
    const done = await waitForTask(node.rt, taskId, 30_000);
    if (done.status !== 'succeeded') throw new Error(`write_blocks [${start}, ${start + RANGE}) ${done.status}: ${done.last_error}`);
  }
}

interface Read {
  /** [rows, distinct blocks, lowest, highest]. */
  blocks: number[];
  hotRows: number;
  coldFiles: number;
}

async function read(node: TestNode, where = ''): Promise<Read> {
  const qs = await node.rt.query();
  const sql = `SELECT count(*), count(DISTINCT block_number), min(block_number), max(block_number) FROM blocks ${where}`;
  const { rows, stats } = await qs.query({ sql });
  return { blocks: rows[0]!.map(Number), hotRows: stats.hotRows, coldFiles: stats.coldFiles };
}

/** Every block of [from, to) once. */
function once(from: number, to: number): number[] {
  return [to - from, to - from, from, to - 1];
}

async function liveRanges(node: TestNode): Promise<number[][]> {
  return (await node.rt.registry.listVersions('blocks', 1)).map((v) => [Number(v.range_start), Number(v.range_end)]);
}

test.serial('a query across the boundary, pinned while compaction swaps versions, the janitor trims and the boundary moves, reads each block once', async (t) => {
  const node = await setUp(t);
  const held = pauseAt('compact.beforeCommit');
  // Tip 200: the boundary is at 140, so [0, 100) is a full span of the cold tier.
  await writeRanges(node, 0, 200);
  t.like(await held.reached, { dataset: 'blocks', start: 0, end: 100 });

  const qs = await node.rt.query();
  const across = await qs.query(
    { sql: 'SELECT count(*), count(DISTINCT block_number), min(block_number), max(block_number) FROM blocks WHERE block_number >= 50' },
    {
      onPinned: async () => {
        held.release();
        await eventually(async () => ((await liveRanges(node))[0]?.[1] === 100 ? true : undefined), 20_000, 'the compacted version to commit');
        await trimHotRows(node.rt.db, node.rt.schemas.data, RETENTION);
        await writeRanges(node, 200, 260);
      },
    },
  );
  t.deepEqual(across.rows[0]!.map(Number), once(50, 200), 'what it pinned: the small versions, before the new ranges');
  t.is(across.stats.hotRows, 0, 'reaching below the boundary it read files only');

  // Tip 260: the boundary is at 200.
  t.deepEqual((await read(node, 'WHERE block_number >= 50')).blocks, once(50, 260));
  t.like(await read(node, 'WHERE block_number >= 200'), { blocks: once(200, 260), hotRows: 60, coldFiles: 0 });
  t.like(await read(node, 'WHERE block_number >= 199'), { blocks: once(199, 260), hotRows: 0 });
  t.like(await read(node, 'WHERE block_number BETWEEN 230 AND 239'), { blocks: once(230, 240), hotRows: 10, coldFiles: 0 });
  t.deepEqual((await read(node)).blocks, once(0, 260));
});

test.serial('while ranges keep committing, compaction and the janitor keep up: every query reads each block once', async (t) => {
  const node = await setUp(t);
  await writeRanges(node, 0, 200);
  let tip = 200;
  let rounds = 0;
  // Each range lands while the reader is mid-round, and the next one only after a round saw it: the
  // boundary moves between and during queries however fast or slow the machine is.
  const writer = (async () => {
    for (; tip < 600; tip += RANGE) {
      await writeRanges(node, tip, tip + RANGE);
      for (const seen = rounds; rounds === seen; ) await new Promise((r) => setTimeout(r, 5));
    }
  })();
  let queries = 0;
  while (tip < 600) {
    const seenTip = tip;
    const whole = await read(node);
    t.true(whole.blocks[3]! + 1 >= seenTip, 'nothing committed before the query is missing');
    t.deepEqual(whole.blocks, once(0, whole.blocks[3]! + 1));
    for (const from of [seenTip - RETENTION / 2, seenTip - 2 * RETENTION]) {
      const window = await read(node, `WHERE block_number >= ${from}`);
      t.deepEqual(window.blocks, once(from, window.blocks[3]! + 1), `from ${from}, the tip at ${seenTip}`);
    }
    queries += 3;
    rounds += 1;
  }
  await writer;
  t.true(queries >= 30, `${queries} queries while the boundary moved`);

  // Tip 600, boundary 540: [0, 500) compacted into five files, then the small ranges.
  const settled = await eventually(async () => {
    const live = await liveRanges(node);
    return live.length === 10 ? live : undefined;
  }, 30_000, 'compaction to catch up');
  t.deepEqual(settled.slice(0, 5), [[0, 100], [100, 200], [200, 300], [300, 400], [400, 500]]);
  await eventually(async () => {
    const { rows } = await node.rt.db.query<{ lo: number }>(`SELECT min(block_number)::int AS lo FROM ${node.rt.schemas.data}.blocks`);
    return rows[0]!.lo === 540 ? true : undefined;
  }, 15_000, 'the janitor to trim the cold tier');
  t.like(await read(node), { blocks: once(0, 600), hotRows: 0, coldFiles: 10 });
  t.like(await read(node, 'WHERE block_number >= 540'), { blocks: once(540, 600), hotRows: 60, coldFiles: 0 });
  const status = await node.rt.compactions.tiers(1, ['blocks']);
  t.deepEqual(status.blocks, { hot: { from: 540, to: 600 }, cold: { from: 0, to: 540, files: 7 }, backlog: { versions: 2, blocks: 40, in_flight: 0 } });
});
