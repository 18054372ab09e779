/**
 * parquetjs-lite (pure JS, row at a time): SNAPPY only here, because the lite build has no zstd
 * (it offers UNCOMPRESSED, GZIP and SNAPPY; LZO and BROTLI throw "Not Supported"). Its file size is
 * therefore not comparable with the zstd writers'. The library ships no types: the few calls used
 * are typed below.
 */
import { createRequire } from 'node:module';
import { tableFromIPC, type Schema } from 'apache-arrow';
import { cryoLogsSchema } from '../../drivers/parquet/cryoSchemas.js';
import { duckdbType } from './duckdbTypes.js';
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

const PARQUETJS_TYPES: Record<string, FieldDefinition['type']> = { UINTEGER: 'UINT_32', UBIGINT: 'UINT_64', BLOB: 'BYTE_ARRAY' };

function parquetjsFields(schema: Schema): Record<string, FieldDefinition> {
  const fields: Record<string, FieldDefinition> = {};
  for (const field of schema.fields) {
    const type = PARQUETJS_TYPES[duckdbType(field.type)];
    if (type === undefined) throw new Error(`no parquetjs-lite type for ${field.name}`);
    fields[field.name] = field.nullable ? { type, optional: true, compression: 'SNAPPY' } : { type, compression: 'SNAPPY' };
  }
  return fields;
}

export const parquetjsLiteWriter: BenchWriter = {
  codec: 'snappy',
  async write(ipcChunks, outPath, rowGroupRows) {
    const schema = new parquetjs.ParquetSchema(parquetjsFields(cryoLogsSchema));
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
