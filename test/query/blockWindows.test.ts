/**
 * The block windows and columns the Query Service reads: what each query is proved to need, and
 * that leaving everything else out never changes an answer (checked on DuckDB itself).
 */
import test from 'ava';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { blockWindows, WHOLE_CHAIN, type BlockWindow } from '../../actors/query/blockWindows.js';
import { readColumns } from '../../actors/query/readColumns.js';
import { SqlGate } from '../../actors/query/sqlGate.js';
import type { BoundValue } from '../../actors/query/templates.js';

const RELATIONS = ['blocks', 'transactions', 'logs'];

let gate: SqlGate;
let db: DuckDBConnection;

test.before(async () => {
  gate = await SqlGate.create();
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`
    CREATE TABLE all_blocks AS SELECT i::UINTEGER AS block_number, 1::UBIGINT AS chain_id, i * 12 AS timestamp FROM range(100) t(i);
    CREATE TABLE all_transactions AS SELECT (i % 100)::UINTEGER AS block_number, 1::UBIGINT AS chain_id, i AS transaction_hash, i % 7 AS from_address FROM range(700) t(i);
    CREATE TABLE all_logs AS SELECT (i % 100)::UINTEGER AS block_number, 1::UBIGINT AS chain_id, i % 3 AS topic0 FROM range(300) t(i);
  `);
});

test.after.always(() => gate.close());

async function windowsOf(sql: string, params: Record<string, BoundValue> = {}, readWhole: string[] = []): Promise<Record<string, BlockWindow>> {
  const checked = await gate.check(sql);
  return Object.fromEntries(blockWindows(checked.ast, params, RELATIONS, new Set(readWhole)));
}

/** The columns of the test tables. */
const TABLE_COLUMNS: Record<string, string[]> = {
  blocks: ['block_number', 'chain_id', 'timestamp'],
  transactions: ['block_number', 'chain_id', 'transaction_hash', 'from_address'],
  logs: ['block_number', 'chain_id', 'topic0'],
};

/** The query's rows, every relation a view over its full table or over its window's rows and read columns only. */
async function answer(sql: string, read?: { windows: Record<string, BlockWindow>; columns: Map<string, string[] | null> }): Promise<string> {
  for (const r of RELATIONS) {
    const w = read?.windows[r] ?? WHOLE_CHAIN;
    const bound = Number.isFinite(w.to) ? ` AND block_number < ${w.to}` : '';
    const needed = read?.columns.get(r);
    const columns = needed ? TABLE_COLUMNS[r]!.filter((c) => needed.includes(c)).join(', ') : '*';
    await db.run(`CREATE OR REPLACE VIEW ${r} AS SELECT ${columns} FROM all_${r} WHERE block_number >= ${w.from}${bound}`);
  }
  const rows = (await db.runAndReadAll(sql)).getRows();
  return JSON.stringify(rows, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

const window = (from: number, to = Infinity): BlockWindow => ({ from, to });

const CASES: { sql: string; expected: Record<string, BlockWindow> }[] = [
  {
    sql: 'SELECT count(*), sum(timestamp) FROM blocks WHERE block_number >= 95',
    expected: { blocks: window(95), transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    // The tip query: transactions bounded through the LEFT JOIN's block-number equality.
    sql: `SELECT b.block_number, count(t.transaction_hash) FROM blocks b
          LEFT JOIN transactions t ON t.chain_id = b.chain_id AND t.block_number = b.block_number
          WHERE b.block_number > 99 - 5 AND b.block_number <= 99 GROUP BY 1 ORDER BY 1 DESC`,
    expected: { blocks: window(95, 100), transactions: window(95, 100), logs: WHOLE_CHAIN },
  },
  {
    sql: 'SELECT count(*) FROM transactions t JOIN logs l ON l.block_number = t.block_number WHERE t.block_number BETWEEN 10 AND 19 AND 12 < l.block_number',
    expected: { blocks: WHOLE_CHAIN, transactions: window(13, 20), logs: window(13, 20) },
  },
  {
    // Each reference bounded on its own: the relation's window is their hull.
    sql: `SELECT (SELECT count(*) FROM blocks WHERE block_number < 10) + (SELECT count(*) FROM blocks b WHERE b.block_number = 50)`,
    expected: { blocks: window(0, 51), transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    // A bound inside an OR, on another column, or through a subquery bounds nothing.
    sql: `SELECT count(*) FROM blocks b WHERE b.block_number > 90 OR b.timestamp < 100`,
    expected: { blocks: WHOLE_CHAIN, transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    sql: `SELECT count(*) FROM (SELECT * FROM blocks) b WHERE b.block_number > 90`,
    expected: { blocks: WHOLE_CHAIN, transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    // One reference unbounded: the relation is read whole.
    sql: `SELECT count(*) FROM blocks a, blocks b WHERE a.block_number > 90 AND b.timestamp > 0`,
    expected: { blocks: WHOLE_CHAIN, transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    // A correlated subquery's equality is not a constant.
    sql: `SELECT b.block_number, (SELECT count(*) FROM transactions t WHERE t.block_number = b.block_number) FROM blocks b WHERE b.block_number >= 97 ORDER BY 1`,
    expected: { blocks: window(97), transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    // Unqualified block_number beside a subquery in FROM could be the subquery's: no bound.
    sql: `SELECT count(*) FROM logs, (SELECT 1 AS one) o WHERE block_number > 50`,
    expected: { blocks: WHOLE_CHAIN, transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    // A CTE named like a relation hides it: nothing is known of the relation's reads.
    sql: `WITH blocks AS (SELECT * FROM transactions) SELECT count(*) FROM blocks WHERE block_number > 50`,
    expected: { blocks: WHOLE_CHAIN, transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    // POSITIONAL pairs rows by position: filtering first would pair other rows.
    sql: `SELECT count(*) FROM blocks b POSITIONAL JOIN logs l WHERE b.block_number > 50 AND l.block_number > 50`,
    expected: { blocks: WHOLE_CHAIN, transactions: WHOLE_CHAIN, logs: WHOLE_CHAIN },
  },
  {
    sql: `SELECT block_number, count(*) FROM logs WHERE block_number > 80 AND block_number < 85 AND topic0 = 1 GROUP BY ALL ORDER BY 1`,
    expected: { blocks: WHOLE_CHAIN, transactions: WHOLE_CHAIN, logs: window(81, 85) },
  },
];

for (const [i, c] of CASES.entries()) {
  // Serial: the cases share one DuckDB whose views each answer() replaces.
  test.serial(`case ${i}: windows as proved, and the answer is the same from the windows and read columns alone`, async (t) => {
    const windows = await windowsOf(c.sql);
    t.deepEqual(windows, c.expected);
    const columns = readColumns((await gate.check(c.sql)).ast, RELATIONS, new Set());
    t.is(await answer(c.sql, { windows, columns }), await answer(c.sql));
  });
}

test('read columns: the names a query mentions and the keys; all of them for a star, a whole row or a table macro', async (t) => {
  const columns = async (sql: string, readWhole: string[] = []) => Object.fromEntries(readColumns((await gate.check(sql)).ast, RELATIONS, new Set(readWhole)));
  const tip = await columns(`SELECT b.block_number, count(t.transaction_hash) FROM blocks b JOIN transactions t USING (chain_id) GROUP BY 1`);
  t.deepEqual(tip.transactions, ['block_number', 'transaction_hash', 'chain_id']);
  t.deepEqual(tip.logs, ['block_number', 'transaction_hash', 'chain_id'], 'the names count for every relation that has them');
  const balances = readColumns((await gate.check('SELECT count(*) FROM balances')).ast, ['balances'], new Set());
  t.deepEqual(balances.get('balances'), ['block_number', 'address', 'chain_id'], 'balances keeps its key (one row per key)');
  t.is((await columns('SELECT * FROM blocks')).blocks, null);
  t.is((await columns('SELECT t FROM transactions t')).transactions, null);
  t.is((await columns('SELECT to_json(b) FROM blocks AS b')).blocks, null);
  t.is((await columns('SELECT block_number FROM blocks NATURAL JOIN transactions')).blocks, null);
  t.is((await columns('SELECT block_number FROM blocks', ['blocks'])).blocks, null);
});

test('bound parameters are constants; relations read by a table macro are read whole', async (t) => {
  const sql = 'SELECT count(*) FROM blocks b WHERE b.block_number > $block - $n AND b.block_number <= $block::UINTEGER';
  t.deepEqual((await windowsOf(sql, { block: 99, n: 5 })).blocks, window(95, 100));
  t.deepEqual((await windowsOf(sql, { block: 99, n: 5 }, ['blocks'])).blocks, WHOLE_CHAIN);
  t.deepEqual((await windowsOf(sql, { block: 'x', n: 5 })).blocks, WHOLE_CHAIN, 'a non-integer parameter is no bound');
});
