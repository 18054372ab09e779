/**
 * One relation per dataset over cold files and hot rows: a query whose block window lies in the hot
 * tier reads hot rows only, one reaching below it reads files; no gaps or duplicates either way, and
 * a query's answer is fixed by the registry state pinned when it started.
 */
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtinOperators } from '../../actors/worker/operators/builtin.js';
import { trimHotRows } from '../../actors/state/hotRows.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode, type TestNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { blockHash, writeBlocks } from '../helpers/writeBlocksOperator.js';

async function setUp(t: ExecutionContext, hotRetentionBlocks?: number): Promise<TestNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trace-query-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const inst = await createInstallation(t, { dataDir, hotRetentionBlocks });
  const { objects } = await embeddedObjects(t, inst);
  // No janitor: the test trims hot rows itself, when it means to.
  return startNode(t, inst, { objects, roles: ['dispatcher', 'publisher', 'heartbeat', 'worker'], operators: builtinOperators().register('write_blocks', writeBlocks) });
}

async function writeRanges(node: TestNode, ranges: readonly { start: number; end: number; variant?: number; hot?: boolean }[]): Promise<void> {
  const ids = await Promise.all(ranges.map((r) => node.rt.tasks.runs.submitTask('write_blocks', r)));
  await eventually(async () => {
    const { rows } = await node.rt.db.query<{ status: string }>('SELECT status FROM tasks WHERE task_id = ANY($1)', [ids]);
    if (rows.some((r) => r.status === 'failed' || r.status === 'dead')) throw new Error('write_blocks failed');
    return rows.every((r) => r.status === 'succeeded') ? true : undefined;
  }, 30_000, 'the ranges to commit');
}

const SUMMARY = `SELECT count(*) AS n, count(DISTINCT block_number) AS distinct_blocks, min(block_number) AS lo, max(block_number) AS hi,
  sum(block_number) AS block_sum, string_agg(hex(block_hash), '' ORDER BY block_number) AS hashes FROM blocks`;

test('a window in the hot tier reads hot rows only; one reaching below the boundary reads files; each block once, gaps stay gaps', async (t) => {
  // The hot tier is the newest 100 blocks: with [200, 300) missing and the tip at 500, [400, 500).
  const node = await setUp(t, 100);
  await writeRanges(node, [0, 100, 300, 400].map((start) => ({ start, end: start + 100 })));
  const qs = await node.rt.query();

  const whole = await qs.query({ sql: SUMMARY });
  const [n, distinct, lo, hi, sum] = whole.rows[0]!;
  t.deepEqual([n, distinct, lo, hi], [400, 400, 0, 499]);
  t.is(sum, String((199 * 200) / 2 + ((300 + 499) * 200) / 2), 'sums of integers are HUGEINT: exact decimal strings');
  t.like(whole.stats, { hotRows: 0, coldFiles: 4 }, 'reaching below the boundary, every range is read from its file');

  const tip = await qs.query({ sql: `${SUMMARY} WHERE block_number >= 400` });
  t.deepEqual(tip.rows[0]!.slice(0, 4), [100, 100, 400, 499]);
  t.like(tip.stats, { hotRows: 100, coldFiles: 0 }, 'above the boundary: hot rows only, no file touched');
  const clipped = await qs.query({ sql: `${SUMMARY} WHERE block_number BETWEEN 450 AND 454` });
  t.deepEqual(clipped.rows[0]!.slice(0, 4), [5, 5, 450, 454]);
  t.like(clipped.stats, { hotRows: 5, coldFiles: 0 }, 'hot rows read only within the window');
  const below = await qs.query({ sql: `${SUMMARY} WHERE block_number >= 399` });
  t.deepEqual(below.rows[0]!.slice(0, 4), [101, 101, 399, 499]);
  t.like(below.stats, { hotRows: 0, coldFiles: 2 }, 'one block below the boundary: [300, 400) and [400, 500) from their files');

  const gaps = await qs.query({
    sql: `SELECT r.block_number FROM range(0, 500) AS r(block_number) LEFT JOIN blocks b USING (block_number) WHERE b.block_number IS NULL ORDER BY 1`,
  });
  t.deepEqual(gaps.rows.map((r) => r[0]), Array.from({ length: 100 }, (_, i) => 200 + i), 'missing exactly the unregistered range');

  // The janitor trims the hot rows of the cold tier, whole ranges; the files serve them.
  t.is(await trimHotRows(node.rt.db, node.rt.schemas.data, 100), 300);
  const after = await qs.query({ sql: SUMMARY });
  t.deepEqual(after.rows[0]!.slice(0, 4), [400, 400, 0, 499]);
  t.is(after.stats.cacheHits, 4, 'files read before came from the local cache');
  t.like((await qs.query({ sql: `${SUMMARY} WHERE block_number >= 400` })).stats, { hotRows: 100, coldFiles: 0 });
});

test('a commit in the middle of a query does not change its answer', async (t) => {
  const node = await setUp(t);
  await writeRanges(node, [{ start: 0, end: 100 }, { start: 200, end: 300 }]);
  const qs = await node.rt.query();
  const before = await qs.query({ sql: SUMMARY });
  t.is(before.rows[0]![0], 200);
  t.is(before.stats.hotRows, 200, 'every range is in the hot tier (the default retention)');

  const pinned = await qs.query(
    { sql: SUMMARY },
    {
      // After the registry is pinned and before any row is read: a new range commits, and the hot
      // range [200, 300) is rewritten with different block hashes (as a reorg re-ingest does).
      onPinned: () => writeRanges(node, [{ start: 400, end: 500, hot: false }, { start: 500, end: 600 }]).then(() => rewriteHot(node)),
    },
  );
  t.deepEqual(pinned.rows, before.rows, 'the pinned query saw neither the commits nor the rewrite');

  const fresh = await qs.query({ sql: SUMMARY });
  t.is(fresh.rows[0]![0], 400, 'a new query sees [400, 500), committed without hot rows, and the hot [500, 600)');
  t.like(fresh.stats, { hotRows: 300, coldFiles: 1 }, '[400, 500) comes from its file');
  const hashes = String(fresh.rows[0]![5]);
  t.true(hashes.includes(blockHash(250, 9).slice(2).toUpperCase()), 'and the rewritten hot rows');
});

/** Rewrites the hot rows of [200, 300) with variant-9 hashes, as a reorg re-ingest would. */
async function rewriteHot(node: TestNode): Promise<void> {
  await node.rt.db.query(`UPDATE ${node.rt.schemas.data}.blocks SET block_hash = decode(lpad(to_hex(block_number), 56, '0') || '00000009', 'hex') WHERE block_number >= 200 AND block_number < 300`);
}
