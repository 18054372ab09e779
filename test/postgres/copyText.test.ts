import test from 'ava';
import { Binary, Bool, Field, Float64, Int64, Schema, Uint32, Uint64, Utf8, vectorFromArray, makeData, RecordBatch, Struct } from 'apache-arrow';
import pg from 'pg';
import { copyIntoTable } from '../../drivers/postgres/copy.js';
import { arrowToCopyText } from '../../drivers/postgres/copyText.js';
import { TEST_DATABASE_URL } from '../helpers/installation.js';

const FIELDS = [
  new Field('bytes', new Binary(), true),
  new Field('text', new Utf8(), true),
  new Field('small', new Uint32(), true),
  new Field('big', new Uint64(), true),
  new Field('signed', new Int64(), true),
  new Field('float', new Float64(), true),
  new Field('flag', new Bool(), true),
];

/** Every kind of cell: nulls, empty values, COPY's escapes, multi-byte text, 64-bit values past 2^53. */
const COLUMNS: unknown[][] = [
  [Uint8Array.of(0, 1, 0xab, 0xff), new Uint8Array(0), null, Uint8Array.of(0x5c, 0x09)],
  ['back\\slash\ttab\nnew\rret', '', null, 'ünï€😀'],
  [0, 4_294_967_295, null, 10],
  [0n, 18_446_744_073_709_551_615n, null, 9_007_199_254_740_993n],
  [-9_223_372_036_854_775_808n, 9_007_199_254_740_991n, null, -1n],
  [0.1, 1e21, null, -5e-324],
  [true, false, null, true],
];

function edgeBatch(): RecordBatch {
  const children = FIELDS.map((field, i) => vectorFromArray(COLUMNS[i]!, field.type).data[0]!);
  return new RecordBatch(new Schema(FIELDS), makeData({ type: new Struct(FIELDS), length: 4, nullCount: 0, children }));
}

/** The reference: each value as COPY's text format spells it. */
function copyCell(value: unknown): string {
  if (value === null) return '\\N';
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'string') return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
  return String(value);
}

test('COPY text spells every cell as the text format does: nulls, escapes, bytea hex, 64-bit integers, floats', (t) => {
  const expected = [0, 1, 2, 3].map((row) => `${COLUMNS.map((column) => copyCell(column[row])).join('\t')}\n`).join('');
  t.is(Buffer.from(arrowToCopyText([edgeBatch()])).toString('utf8'), expected);
  t.is(arrowToCopyText([]).byteLength, 0);
});

test('PostgreSQL reads the COPY text back as the batch values', async (t) => {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  t.teardown(() => client.end());
  await client.query('CREATE TEMP TABLE copy_text_rows (bytes bytea, text text, small bigint, big numeric, signed bigint, float double precision, flag boolean)');
  await copyIntoTable(client as unknown as pg.PoolClient, 'copy_text_rows', FIELDS.map((f) => f.name), arrowToCopyText([edgeBatch()]));
  const { rows } = await client.query<Record<string, unknown>>('SELECT bytes, text, small, big::text AS big, signed, float, flag FROM copy_text_rows');
  t.deepEqual(
    rows.map((row) => [row.bytes === null ? null : Uint8Array.from(row.bytes as Buffer), row.text, row.small === null ? null : Number(row.small), row.big === null ? null : BigInt(row.big as string), row.signed === null ? null : BigInt(row.signed as string), row.float, row.flag]),
    [0, 1, 2, 3].map((row) => COLUMNS.map((column) => column[row] ?? null)),
  );
});
