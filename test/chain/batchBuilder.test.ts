import test from 'ava';
import { Field, RecordBatchStreamWriter, Schema, Uint32, tableFromIPC } from 'apache-arrow';
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
