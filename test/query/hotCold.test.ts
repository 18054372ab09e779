/**
 * One relation per dataset over cold files and hot rows: no gaps or duplicates across the cold
 * watermark, and a query's answer is fixed by the registry state pinned when it started.
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

async function setUp(t: ExecutionContext): Promise<TestNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trace-query-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const inst = await createInstallation(t, { dataDir });
  const { objects } = await embeddedObjects(t, inst);
  return startNode(t, inst, { objects, operators: builtinOperators().register('write_blocks', writeBlocks) });
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

test('blocks unions cold files below the watermark with hot rows above it, without gaps or duplicates', async (t) => {
  const node = await setUp(t);
  // [200, 300) is missing: the watermark stops at 200 and [300, 400) is served from its hot rows.
  await writeRanges(node, [{ start: 0, end: 100 }, { start: 100, end: 200 }, { start: 300, end: 400 }]);
  // Trimming keeps 50 blocks behind the newest hot block, but never above the watermark.
  const trimmed = await trimHotRows(node.rt.db, node.rt.schemas.data, 50);
  t.is(trimmed, 200, 'the hot rows below the watermark left Postgres');

  const qs = await node.rt.query();
  const result = await qs.query({ sql: SUMMARY });
  const [n, distinct, lo, hi, sum] = result.rows[0]!;
  t.is(n, 300);
  t.is(distinct, 300);
  t.is(lo, 0);
  t.is(hi, 399);
  t.is(sum, String((199 * 200) / 2 + (300 + 399) * 50), 'sums of integers are HUGEINT: exact decimal strings');
  t.is(result.stats.hotRows, 100, '[300, 400) came from Postgres');
  t.is(result.stats.coldFiles, 2, '[0, 100) and [100, 200) came from their files');

  const gaps = await qs.query({
    sql: `SELECT r.block_number FROM range(0, 400) AS r(block_number) LEFT JOIN blocks b USING (block_number) WHERE b.block_number IS NULL ORDER BY 1`,
  });
  t.deepEqual(gaps.rows.map((r) => r[0]), Array.from({ length: 100 }, (_, i) => 200 + i), 'missing exactly the unregistered range');

  // Filling the gap moves the watermark to 400: everything is cold, hot rows of [200, 400) stay hot-side only.
  await writeRanges(node, [{ start: 200, end: 300 }]);
  const after = await qs.query({ sql: SUMMARY });
  t.is(after.rows[0]![0], 400);
  t.is(after.rows[0]![1], 400);
  t.is(after.stats.hotRows, 0);
  t.is(after.stats.coldFiles, 4);
  t.is(after.stats.cacheHits, 2, 'files read before came from the local cache');
});

test('a commit in the middle of a query does not change its answer', async (t) => {
  const node = await setUp(t);
  await writeRanges(node, [{ start: 0, end: 100 }, { start: 200, end: 300 }]);
  const qs = await node.rt.query();
  const before = await qs.query({ sql: SUMMARY });
  t.is(before.rows[0]![0], 200);
  t.is(before.stats.hotRows, 100);

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
  t.is(fresh.rows[0]![0], 400, 'a new query sees the cold-only [400, 500) and the hot [500, 600)');
  t.is(fresh.stats.hotRows, 200);
  const hashes = String(fresh.rows[0]![5]);
  t.true(hashes.includes(blockHash(250, 9).slice(2).toUpperCase()), 'and the rewritten hot rows');
});

/** Rewrites the hot rows of [200, 300) with variant-9 hashes, as a reorg re-ingest would. */
async function rewriteHot(node: TestNode): Promise<void> {
  await node.rt.db.query(`UPDATE ${node.rt.schemas.data}.blocks SET block_hash = decode(lpad(to_hex(block_number), 56, '0') || '00000009', 'hex') WHERE block_number >= 200 AND block_number < 300`);
}
