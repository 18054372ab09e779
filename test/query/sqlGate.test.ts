import test from 'ava';
import type { ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { QueryRejectedError, SqlGate, checkQuery } from '../../actors/query/sqlGate.js';
import { DEFAULT_MAX_SQL_BYTES } from '../../actors/query/sqlGateRules.js';

let gate: SqlGate;
let execInstance: DuckDBInstance;
let exec: DuckDBConnection;
const tmp = mkdtempSync(join(tmpdir(), 'sqlgate-'));

/** Stand-in for the query service's DuckDB: records (per test) everything that reaches it. */
function executor(): { executed: string[]; run: (sql: string) => Promise<unknown[][]> } {
  const executed: string[] = [];
  return {
    executed,
    run: async (sql: string) => {
      executed.push(sql);
      return (await exec.runAndReadAll(sql)).getRows();
    },
  };
}

test.before(async () => {
  gate = await SqlGate.create();
  execInstance = await DuckDBInstance.create(':memory:');
  exec = await execInstance.connect();
  await exec.run(`
    CREATE TABLE blocks (number UBIGINT, hash VARCHAR, ts TIMESTAMP, gas_used HUGEINT, miner VARCHAR);
    CREATE TABLE transactions (hash VARCHAR, block_number UBIGINT, from_address VARCHAR, to_address VARCHAR, value HUGEINT, gas UBIGINT);
    CREATE TABLE logs (block_number UBIGINT, tx_hash VARCHAR, log_index INTEGER, address VARCHAR, topic0 VARCHAR, data VARCHAR);
    INSERT INTO blocks SELECT i, 'h' || i, TIMESTAMP '2024-01-01' + to_seconds(i * 12), i * 1000000000000000000000::HUGEINT, 'm' || (i % 3) FROM range(100) t(i);
    INSERT INTO transactions SELECT 't' || i, i % 100, 'a' || (i % 7), 'b' || (i % 5), i::HUGEINT * 1000000000000000000, 21000 FROM range(500) t(i);
    INSERT INTO logs SELECT i % 100, 't' || i, i % 4, 'c' || (i % 9), 'topic' || (i % 2), '0x' FROM range(800) t(i);
  `);
});

test.after.always(() => {
  gate.close();
  exec.closeSync();
  execInstance.closeSync();
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Forbidden forms: one test each. Asserts reason, message hygiene, and that the
// executor never saw the statement.
// ---------------------------------------------------------------------------

const rejects = test.macro({
  async exec(t: ExecutionContext, sql: string, reason: string) {
    const { executed, run } = executor();
    const err = await t.throwsAsync(
      gate.guard(sql, run),
      { instanceOf: QueryRejectedError },
    );
    t.is(err?.reason as string | undefined, reason);
    t.true(err?.message.includes(reason));
    // The message names the reason but never echoes the SQL (no quotes, paths, or the statement itself).
    if (sql.trim() !== '') t.false(err?.message.includes(sql.trim().slice(0, 40)) ?? true);
    t.false(/['"/]/.test(err?.message ?? "'"));
    t.deepEqual(executed, []);
  },
  title: (provided = '', _sql: string, reason: string) => `rejects ${provided} -> ${reason}`,
});

test('length cap', rejects, `SELECT ${'1 + '.repeat(DEFAULT_MAX_SQL_BYTES / 4)}1`, 'too_long');
test('blank statement', rejects, '   ', 'empty');
// extractStatements refuses comment-only input; fail-closed as parse_error.
test('comment-only statement', rejects, '-- nothing here', 'parse_error');
test('syntax error', rejects, 'SELEC * FROM blocks', 'parse_error');
test('two SELECTs', rejects, 'SELECT 1; SELECT 2', 'multiple_statements');
test('SELECT followed by DROP', rejects, 'SELECT * FROM blocks; DROP TABLE blocks', 'multiple_statements');
test('CREATE TABLE', rejects, 'CREATE TABLE evil AS SELECT * FROM blocks', 'not_select');
test('CREATE VIEW', rejects, 'CREATE VIEW v AS SELECT 1', 'not_select');
test('CREATE MACRO', rejects, 'CREATE MACRO m(x) AS x + 1', 'not_select');
test('INSERT', rejects, 'INSERT INTO blocks (number) VALUES (1)', 'not_select');
test('UPDATE', rejects, "UPDATE blocks SET hash = 'x'", 'not_select');
test('DELETE', rejects, 'DELETE FROM logs', 'not_select');
test('DROP', rejects, 'DROP TABLE transactions', 'not_select');
test('ALTER', rejects, 'ALTER TABLE blocks ADD COLUMN x INTEGER', 'not_select');
test('ATTACH', rejects, "ATTACH '/tmp/evil.duckdb' AS evil", 'not_select');
test('DETACH', rejects, 'DETACH memory', 'not_select');
test('USE', rejects, 'USE memory', 'not_select');
test('INSTALL', rejects, 'INSTALL httpfs', 'not_select');
test('LOAD', rejects, 'LOAD httpfs', 'not_select');
test('COPY TO file', rejects, "COPY blocks TO '/tmp/blocks.csv'", 'not_select');
test('COPY query TO file', rejects, "COPY (SELECT 1) TO '/tmp/x.parquet' (FORMAT parquet)", 'not_select');
test('COPY FROM file', rejects, "COPY blocks FROM '/etc/passwd'", 'not_select');
test('PRAGMA', rejects, 'PRAGMA database_list', 'not_select');
test('SET', rejects, "SET memory_limit = '1TB'", 'not_select');
test('RESET', rejects, 'RESET memory_limit', 'not_select');
test('EXPORT DATABASE', rejects, "EXPORT DATABASE '/tmp/dump'", 'not_select');
// IMPORT DATABASE is expanded while parsing (it reads the dump's schema.sql); the gate's parser
// instance has external access disabled, so it fails before anything is read.
test('IMPORT DATABASE', rejects, "IMPORT DATABASE '/tmp/dump'", 'parse_error');
test('CALL', rejects, 'CALL pragma_version()', 'not_select');
test('EXPLAIN', rejects, 'EXPLAIN ANALYZE SELECT * FROM blocks', 'not_select');
test('CREATE SECRET', rejects, "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')", 'not_select');
test('BEGIN TRANSACTION', rejects, 'BEGIN TRANSACTION', 'not_select');
test('CHECKPOINT', rejects, 'CHECKPOINT', 'not_select');
test('VACUUM', rejects, 'VACUUM', 'not_select');
test('PIVOT statement', rejects, 'PIVOT blocks ON miner USING sum(gas_used)', 'multiple_statements');
test('string-literal file relation', rejects, "SELECT * FROM 'blocks.parquet'", 'file_or_url_relation');
test('string-literal URL relation', rejects, "SELECT * FROM 's3://bucket/blocks.parquet'", 'file_or_url_relation');
test('quoted-identifier path relation', rejects, 'SELECT * FROM "/etc/passwd"', 'file_or_url_relation');
test('FROM-first file relation', rejects, "FROM 'https://example.com/x.csv'", 'file_or_url_relation');
test('file relation inside UNION', rejects, "SELECT hash FROM blocks UNION ALL SELECT hash FROM 'x.csv'", 'file_or_url_relation');
test('read_parquet', rejects, "SELECT * FROM read_parquet('/data/*.parquet')", 'forbidden_function:read_parquet');
test('read_csv', rejects, "SELECT * FROM read_csv('/etc/passwd')", 'forbidden_function:read_csv');
test('read_csv_auto', rejects, "SELECT * FROM read_csv_auto('x.csv')", 'forbidden_function:read_csv_auto');
test('read_json', rejects, "SELECT * FROM read_json('x.json')", 'forbidden_function:read_json');
test('read_json_auto', rejects, "SELECT * FROM read_json_auto('x.json')", 'forbidden_function:read_json_auto');
test('read_ndjson', rejects, "SELECT * FROM read_ndjson('x.ndjson')", 'forbidden_function:read_ndjson');
test('read_text', rejects, "SELECT * FROM read_text('/etc/hostname')", 'forbidden_function:read_text');
test('read_blob', rejects, "SELECT * FROM read_blob('/etc/hostname')", 'forbidden_function:read_blob');
test('parquet_scan', rejects, "SELECT * FROM parquet_scan('x.parquet')", 'forbidden_function:parquet_scan');
test('parquet_metadata', rejects, "SELECT * FROM parquet_metadata('x.parquet')", 'forbidden_function:parquet_metadata');
test('parquet_schema', rejects, "SELECT * FROM parquet_schema('x.parquet')", 'forbidden_function:parquet_schema');
test('glob', rejects, "SELECT * FROM glob('/home/*')", 'forbidden_function:glob');
test('sniff_csv', rejects, "SELECT * FROM sniff_csv('x.csv')", 'forbidden_function:sniff_csv');
test('iceberg_scan', rejects, "SELECT * FROM iceberg_scan('s3://b/t')", 'forbidden_function:iceberg_scan');
test('delta_scan', rejects, "SELECT * FROM delta_scan('s3://b/t')", 'forbidden_function:delta_scan');
test('sqlite_scan', rejects, "SELECT * FROM sqlite_scan('x.db', 't')", 'forbidden_function:sqlite_scan');
test('postgres_scan', rejects, "SELECT * FROM postgres_scan('host=x', 'public', 't')", 'forbidden_function:postgres_scan');
test('query() table function', rejects, "SELECT * FROM query('SELECT 1')", 'forbidden_function:query');
test('duckdb_settings()', rejects, 'SELECT * FROM duckdb_settings()', 'forbidden_function:duckdb_settings');
test('duckdb_secrets()', rejects, 'SELECT * FROM duckdb_secrets()', 'forbidden_function:duckdb_secrets');
test('pragma_ table function', rejects, 'SELECT * FROM pragma_database_list()', 'forbidden_function:pragma_database_list');
test('unknown table function', rejects, 'SELECT * FROM my_macro_table(1)', 'forbidden_table_function:my_macro_table');
test('getenv scalar', rejects, "SELECT getenv('AWS_SECRET_ACCESS_KEY')", 'forbidden_function:getenv');
test('current_setting scalar', rejects, "SELECT current_setting('s3_secret_access_key')", 'forbidden_function:current_setting');
test('nextval scalar', rejects, "SELECT nextval('seq')", 'forbidden_function:nextval');
test('upper-case quoted reader', rejects, `SELECT * FROM "READ_PARQUET"('x.parquet')`, 'forbidden_function:read_parquet');
test('reader hidden in CTE', rejects, "WITH x AS (SELECT * FROM read_csv('x.csv')) SELECT count(*) FROM x", 'forbidden_function:read_csv');
test('reader hidden in WHERE subquery', rejects, "SELECT * FROM blocks WHERE hash IN (SELECT h FROM read_parquet('p.parquet'))", 'forbidden_function:read_parquet');
test('reader in LATERAL join', rejects, "SELECT * FROM blocks b, LATERAL read_csv(b.hash)", 'forbidden_function:read_csv');
test('scalar in window/aggregate', rejects, "SELECT sum(length(getenv('HOME'))) OVER () FROM blocks", 'forbidden_function:getenv');
test('DESCRIBE', rejects, 'DESCRIBE blocks', 'forbidden_table_ref:SHOW_REF');
test('SUMMARIZE', rejects, 'SUMMARIZE blocks', 'forbidden_table_ref:SHOW_REF');
test('SHOW TABLES', rejects, 'SHOW TABLES', 'forbidden_table_ref:SHOW_REF');
test('information_schema', rejects, 'SELECT * FROM information_schema.tables', 'forbidden_schema');
test('foreign catalog', rejects, 'SELECT * FROM evil.main.blocks', 'forbidden_schema');
test('schema-qualified function', rejects, 'SELECT other_schema.abs(1)', 'forbidden_schema');
test('catalog-qualified function', rejects, 'SELECT system.main.abs(1)', 'forbidden_schema');
test('DuckDB catalog view', rejects, 'SELECT * FROM duckdb_views', 'forbidden_relation:duckdb_views');
test('sqlite_master', rejects, 'SELECT sql FROM sqlite_master', 'forbidden_relation:sqlite_master');
test('pg_catalog view on the search path', rejects, 'SELECT * FROM pg_settings', 'forbidden_relation:pg_settings');
test('catalog view shadowed by a CTE name elsewhere', rejects, 'SELECT * FROM (WITH pg_class AS (SELECT 1) SELECT 1), pg_class', 'forbidden_relation:pg_class');
test('internal hot table', rejects, 'SELECT * FROM __hot_logs', 'forbidden_relation:__hot_logs');

// ---------------------------------------------------------------------------
// Accepted analytics SQL: passes the gate AND actually runs on the executor.
// ---------------------------------------------------------------------------

const accepts = test.macro({
  async exec(t: ExecutionContext, sql: string) {
    const res = await gate.check(sql);
    t.like(res, { ok: true, sql });
    const { executed, run } = executor();
    const rows = await gate.guard(sql, run);
    t.true(Array.isArray(rows));
    t.deepEqual(executed, [sql]);
  },
  title: (provided = '') => `accepts ${provided}`,
});

test('aggregate + group by + order', accepts, 'SELECT miner, count(*) AS n, sum(gas_used) AS gas FROM blocks GROUP BY miner ORDER BY gas DESC LIMIT 10');
test('CTE + join', accepts, `WITH tx AS (SELECT block_number, count(*) AS n FROM transactions GROUP BY 1)
  SELECT b.number, b.hash, coalesce(tx.n, 0) AS n FROM blocks b LEFT JOIN tx ON tx.block_number = b.number ORDER BY b.number;`);
test('window functions', accepts, `SELECT number, gas_used, sum(gas_used) OVER (ORDER BY number ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS rolling,
  row_number() OVER (PARTITION BY miner ORDER BY number DESC) AS rn, lag(hash) OVER (ORDER BY number) FROM blocks QUALIFY rn <= 5`);
test('subqueries + EXISTS + IN', accepts, `SELECT * FROM transactions t WHERE t.block_number IN (SELECT number FROM blocks WHERE number % 2 = 0)
  AND EXISTS (SELECT 1 FROM logs l WHERE l.tx_hash = t.hash) AND value > (SELECT avg(value) FROM transactions)`);
test('UNION / INTERSECT / EXCEPT', accepts, `SELECT from_address AS a FROM transactions UNION SELECT to_address FROM transactions
  EXCEPT SELECT address FROM logs INTERSECT SELECT miner FROM blocks`);
test('CASE, casts, hugeint math, dates', accepts, `SELECT date_trunc('hour', ts) AS hour, CASE WHEN number % 2 = 0 THEN 'even' ELSE 'odd' END AS parity,
  CAST(gas_used AS HUGEINT) * 3 / 2 AS scaled, number::VARCHAR, strftime(ts, '%Y-%m-%d'), epoch(ts), ts + INTERVAL 1 DAY,
  extract(year FROM ts), gas_used // 7 FROM blocks`);
test('recursive CTE', accepts, 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) FROM r');
test('FROM-first, VALUES, range, unnest, lambdas', accepts, `FROM (VALUES (1, 'a'), (2, 'b')) v(id, name)
  SELECT id, name, list_transform([1, 2, 3], x -> x * id) AS l, (SELECT count(*) FROM range(5)) AS r, (SELECT max(u) FROM (SELECT unnest([id, 7]) AS u))`);
test('schema-qualified main table + filter/having/distinct', accepts, `SELECT address, count(DISTINCT topic0) FILTER (WHERE log_index > 0) AS t
  FROM main.logs GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL`);

// ---------------------------------------------------------------------------
// Proof that rejection happens before execution: side effects never happen.
// ---------------------------------------------------------------------------

test.serial('rejected COPY leaves no file; the same COPY run directly would have written it', async (t) => {
  const { executed, run } = executor();
  const target = join(tmp, 'x.csv');
  await t.throwsAsync(gate.guard(`COPY (SELECT 1) TO '${target}'`, run), { instanceOf: QueryRejectedError });
  t.false(existsSync(target));
  t.deepEqual(executed, []);
  // Control: the executor can write files, so the absence above is meaningful.
  const control = join(tmp, 'control.csv');
  await exec.run(`COPY (SELECT 1) TO '${control}'`);
  t.true(existsSync(control));
});

test.serial('rejected ATTACH / CREATE / DROP leave the executor untouched', async (t) => {
  const dbs = async () => (await exec.runAndReadAll('SELECT database_name FROM duckdb_databases() ORDER BY 1')).getRows();
  const tables = async () => (await exec.runAndReadAll('SELECT table_name FROM duckdb_tables() ORDER BY 1')).getRows();
  const { executed, run } = executor();
  const beforeDbs = await dbs();
  const beforeTables = await tables();
  const dbFile = join(tmp, 'evil.duckdb');
  for (const sql of [`ATTACH '${dbFile}' AS evil`, 'CREATE TABLE pwned (x INT)', 'DROP TABLE blocks', 'SELECT 1; DROP TABLE logs']) {
    await t.throwsAsync(gate.guard(sql, run), { instanceOf: QueryRejectedError });
  }
  t.deepEqual(executed, []);
  t.deepEqual(await dbs(), beforeDbs);
  t.deepEqual(await tables(), beforeTables);
  t.false(existsSync(dbFile));
});

test('gate parser instance itself has no side effects and cannot reach files', async (t) => {
  const target = join(tmp, 'gate-side.csv');
  await t.throwsAsync(gate.check(`COPY (SELECT 1) TO '${target}'`), { instanceOf: QueryRejectedError });
  // A SELECT mentioning a file in a string constant is only parsed, never run.
  await gate.check(`SELECT '${target}' AS s`);
  t.false(existsSync(target));
});

test('checkQuery one-shot helper and custom length cap', async (t) => {
  t.like(await checkQuery('SELECT count(*) FROM blocks'), { ok: true, sql: 'SELECT count(*) FROM blocks', tables: ['blocks'], tableFunctions: [], functions: ['count_star'] });
  t.deepEqual((await checkQuery('WITH tx AS (SELECT * FROM transactions) SELECT * FROM tx JOIN Logs USING (block_number)')).tables.sort(), ['logs', 'transactions', 'tx']);
  const err = await t.throwsAsync(checkQuery('SELECT 1 + 1 + 1', { maxLength: 5 }), { instanceOf: QueryRejectedError });
  t.is(err?.reason, 'too_long');
});

test('trusted table macros are allowed only when the service declares them, and are reported', async (t) => {
  const sql = "SELECT * FROM ranked_holders(1, 'native', 5) JOIN blocks USING (block_number)";
  const refused = await t.throwsAsync(checkQuery(sql), { instanceOf: QueryRejectedError });
  t.is(refused?.reason, 'forbidden_table_function:ranked_holders');
  const accepted = await checkQuery(sql, { trustedTableFunctions: ['ranked_holders'] });
  t.deepEqual(accepted.tableFunctions, ['ranked_holders']);
  t.deepEqual(accepted.tables, ['blocks']);
  const other = await t.throwsAsync(checkQuery("SELECT * FROM read_parquet('x')", { trustedTableFunctions: ['ranked_holders'] }), { instanceOf: QueryRejectedError });
  t.is(other?.reason, 'forbidden_function:read_parquet');
});
