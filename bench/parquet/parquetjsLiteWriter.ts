/**
 * parquetjs-lite (pure JS, row at a time): SNAPPY only here, because the lite build has no zstd
 * (it offers UNCOMPRESSED, GZIP and SNAPPY; LZO and BROTLI throw "Not Supported"). Its file size is
 * therefore not comparable with the zstd writers'. The library ships no types: the few calls used
 * are typed below.
 */
import { createRequire } from 'node:module';
import { tableFromIPC } from 'apache-arrow';
import { DATASET_CATALOG, type ArrowTypeName, type DatasetColumn } from '../../drivers/datasets/catalog.js';
import type { BenchWriter } from './writers.js';

interface FieldDefinition {
  type: 'UINT_32' | 'UINT_64' | 'BYTE_ARRAY';
  optional?: boolean;
  compression: 'SNAPPY';
}

type Row = Record<string, number | bigint | Buffer>;

interface ParquetjsWriter {
  appendRow(row: Row): Promise<void>;
  close(): Promise<void>;
}

interface Parquetjs {
  ParquetSchema: new (fields: Record<string, FieldDefinition>) => object;
  ParquetWriter: { openFile(schema: object, path: string, options: { rowGroupSize: number }): Promise<ParquetjsWriter> };
}

const parquetjs = createRequire(import.meta.url)('parquetjs-lite') as Parquetjs;

const PARQUETJS_TYPES: Partial<Record<ArrowTypeName, FieldDefinition['type']>> = { Uint32: 'UINT_32', Uint64: 'UINT_64', Binary: 'BYTE_ARRAY' };

function parquetjsFields(columns: readonly DatasetColumn[]): Record<string, FieldDefinition> {
  const fields: Record<string, FieldDefinition> = {};
  for (const column of columns) {
    const type = PARQUETJS_TYPES[column.arrowType];
    if (type === undefined) throw new Error(`no parquetjs-lite type for ${column.name}`);
    fields[column.name] = column.nullable ? { type, optional: true, compression: 'SNAPPY' } : { type, compression: 'SNAPPY' };
  }
  return fields;
}

export const parquetjsLiteWriter: BenchWriter = {
  codec: 'snappy',
  async write(ipcChunks, outPath, rowGroupRows) {
    const schema = new parquetjs.ParquetSchema(parquetjsFields(DATASET_CATALOG.logs.columns));
    const writer = await parquetjs.ParquetWriter.openFile(schema, outPath, { rowGroupSize: rowGroupRows });
    let rows = 0;
    try {
      for await (const chunk of ipcChunks) {
        const table = tableFromIPC(chunk);
        const names = table.schema.fields.map((field) => field.name);
        const columns = names.map((name) => table.getChild(name)!);
        for (let index = 0; index < table.numRows; index++) {
          const row: Row = {};
          names.forEach((name, i) => {
            const value: unknown = columns[i]!.get(index);
            if (value === null) return; // optional fields are left out when null
            // Buffer view, no copy: parquetjs-lite's thrift code calls Buffer methods on statistics values.
            row[name] = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : (value as number | bigint);
          });
          await writer.appendRow(row);
          rows++;
        }
      }
    } finally {
      await writer.close();
    }
    return rows;
  },
};
