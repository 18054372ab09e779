import test from 'ava';
import { Binary, Field, Float64, RecordBatchStreamWriter, Schema, Uint32, Uint64, Utf8, tableFromIPC } from 'apache-arrow';
import { hexToBigInt, numberToHex, type Hex } from 'viem';
import { BatchBuilder } from '../../drivers/chain/arrow/batchBuilder.js';

test('a nullable column whose only null comes early keeps valid bits for every later row (past 1,024 rows)', (t) => {
  const rows = 3_000;
  const batch = new BatchBuilder(new Schema([new Field('n', new Uint32(), true)]));
  const column = batch.uint32('n');
  column.appendNull();
  for (let i = 1; i < rows; i++) column.append(i);
  const built = batch.finish();
  const validity = built.getChild('n')!.data[0]!.nullBitmap;
  t.true(validity.byteLength >= Math.ceil(rows / 8), `bitmap of ${validity.byteLength} bytes for ${rows} rows`);
  // A round trip through IPC reads the bitmap for every row; a short one fails or misreads here.
  const back = tableFromIPC(RecordBatchStreamWriter.writeAll([built]).toUint8Array(true)).getChild('n')!;
  t.is(back.nullCount, 1);
  t.is(back.get(0), null);
  t.is(back.get(rows - 1), rows - 1);
});

test('a schema column the decoder never took fails the batch, naming the column', (t) => {
  const batch = new BatchBuilder(new Schema([new Field('n', new Uint32(), false), new Field('m', new Uint32(), false)]));
  batch.uint32('n');
  t.throws(() => batch.finish(), { message: 'BatchBuilder: no builder was taken for column m' });
});

test('hex values decode as viem reads them: any case, odd-length quantities, leading zeros, U256 up to 2^256 − 1', (t) => {
  const u256Values = ['0x0', '0x1', '0xABCDEF', '0x123', '0xde0b6b3a7640000', `0x${'f'.repeat(64)}`, `0x${'0'.repeat(10)}${'9'.repeat(60)}`];
  const u64Values = ['0x0', '0x1F', '0xfffffffffffff', '0x10000000000000', '0xffffffffffffffff', `0x${'0'.repeat(20)}7`];
  const schema = new Schema([
    new Field('hash', new Binary(), false),
    new Field('n', new Uint64(), false),
    new Field('v_binary', new Binary(), false),
    new Field('v_string', new Utf8(), false),
    new Field('v_f64', new Float64(), false),
  ]);
  const batch = new BatchBuilder(schema);
  const [hash, n, v] = [batch.binary('hash'), batch.uint64('n'), batch.u256('v')];
  for (let i = 0; i < u256Values.length; i++) {
    hash.appendHex(`0x${i % 2 === 0 ? 'AB' : 'cd'}${'0f'.repeat(31)}`, 32);
    n.appendQuantity(u64Values[i % u64Values.length]);
    v.appendQuantity(u256Values[i]);
  }
  const built = batch.finish();
  const column = (name: string) => [...built.getChild(name)!];
  t.deepEqual(column('hash').map((bytes) => Buffer.from(bytes as Uint8Array).toString('hex')), u256Values.map((_, i) => `${i % 2 === 0 ? 'ab' : 'cd'}${'0f'.repeat(31)}`));
  t.deepEqual(column('n'), u256Values.map((_, i) => hexToBigInt(u64Values[i % u64Values.length] as Hex)));
  t.deepEqual(column('v_binary').map((bytes) => `0x${Buffer.from(bytes as Uint8Array).toString('hex')}`), u256Values.map((value) => numberToHex(BigInt(value), { size: 32 })));
  t.deepEqual(column('v_string'), u256Values.map((value) => BigInt(value).toString()));
  t.deepEqual(column('v_f64'), u256Values.map((value) => Number(BigInt(value))));
});

test('a value that is not strict 0x-hex of the column width fails, naming the column and the value', (t) => {
  const schema = new Schema([new Field('hash', new Binary(), false), new Field('n', new Uint32(), false), new Field('m', new Uint64(), false), new Field('v_binary', new Binary(), false), new Field('v_string', new Utf8(), false), new Field('v_f64', new Float64(), false)]);
  const batch = new BatchBuilder(schema);
  const [hash, n, m, v] = [batch.binary('hash'), batch.uint32('n'), batch.uint64('m'), batch.u256('v')];
  // A two-byte character whose low byte is a hex digit ('İ' is U+0130) is no hex digit.
  for (const bad of ['0x1234', '0xzz', '0X00', '0x0', '0x0İ', 'İ0', 12, null]) {
    t.throws(() => hash.appendHex(bad, 1), { message: `column hash: expected 1 hex bytes, got ${JSON.stringify(bad)}` });
  }
  t.throws(() => hash.appendHex('0x0İ'), { message: 'column hash: expected hex bytes, got "0x0İ"' });
  for (const bad of ['0x', '0x100000000', '0xg', '0X1', '1', 1]) {
    t.throws(() => n.appendQuantity(bad), { message: `column n: expected a hex quantity below 2^32, got ${JSON.stringify(bad)}` });
  }
  t.throws(() => m.appendQuantity('0x10000000000000000'), { message: 'column m: expected a hex quantity below 2^64, got "0x10000000000000000"' });
  t.throws(() => v.appendQuantity(`0x1${'0'.repeat(64)}`), { message: /^column v: expected a hex quantity below 2\^256/ });
  t.throws(() => v.appendQuantity('0x1İ'), { message: 'column v: expected a hex quantity below 2^256, got "0x1İ"' });
});
