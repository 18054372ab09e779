/**
 * Builds one RecordBatch of a schema: a builder per field, handed out by name and type, so a
 * decoder and its schema cannot drift apart silently: the batch's column order is the schema's, a
 * name or type the schema lacks fails, and so does a schema column the decoder never took.
 */
import { Binary, Bool, Float64, makeData, RecordBatch, Schema, Struct, Uint32, Uint64, Utf8, type Field } from 'apache-arrow';
import { BinaryColumn, BoolColumn, Float64Column, U256Columns, Uint32Column, Uint64Column, Utf8Column } from './columns.js';

type AnyColumn = BinaryColumn | Utf8Column | Uint32Column | Uint64Column | Float64Column | BoolColumn;

function columnFor(field: Field): AnyColumn {
  const { type } = field;
  if (type instanceof Binary) return new BinaryColumn(field as Field<Binary>);
  if (type instanceof Utf8) return new Utf8Column(field as Field<Utf8>);
  if (type instanceof Uint32) return new Uint32Column(field as Field<Uint32>);
  if (type instanceof Uint64) return new Uint64Column(field as Field<Uint64>);
  if (type instanceof Float64) return new Float64Column(field as Field<Float64>);
  if (type instanceof Bool) return new BoolColumn(field as Field<Bool>);
  throw new TypeError(`column ${field.name}: no builder for Arrow type ${String(type)}`);
}

/**
 * The batch with only the columns `names`, in that order (the columns share the batch's buffers).
 * apache-arrow 21's RecordBatch.select fails on batches made with makeData, hence this.
 */
export function selectColumns(batch: RecordBatch, names: readonly string[]): RecordBatch {
  const fields = names.map((name) => batch.schema.fields.find((field) => field.name === name) ?? missingColumn(name));
  const children = fields.map((field) => batch.getChild(field.name)!.data[0]!);
  const data = makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children });
  return new RecordBatch(new Schema(fields, batch.schema.metadata), data);
}

function missingColumn(name: string): never {
  throw new Error(`the batch has no column ${name}`);
}

/** One builder per field of `schema`; `finish()` makes the RecordBatch in schema order. */
export class BatchBuilder {
  private readonly columns: Map<string, AnyColumn>;
  private readonly taken = new Set<string>();

  constructor(readonly schema: Schema) {
    this.columns = new Map(schema.fields.map((field) => [field.name, columnFor(field)]));
  }

  binary(name: string): BinaryColumn {
    return this.column(name, BinaryColumn);
  }
  utf8(name: string): Utf8Column {
    return this.column(name, Utf8Column);
  }
  uint32(name: string): Uint32Column {
    return this.column(name, Uint32Column);
  }
  uint64(name: string): Uint64Column {
    return this.column(name, Uint64Column);
  }
  bool(name: string): BoolColumn {
    return this.column(name, BoolColumn);
  }
  /** The `<name>_binary`, `<name>_string`, `<name>_f64` columns as one. */
  u256(name: string): U256Columns {
    return new U256Columns(name, this.binary(`${name}_binary`), this.utf8(`${name}_string`), this.column(`${name}_f64`, Float64Column));
  }

  /** The batch; every column must have been taken and have the same number of rows (a decoder skipped none). */
  finish(): RecordBatch {
    const untaken = this.schema.fields.filter((field) => !this.taken.has(field.name)).map((field) => field.name);
    if (untaken.length > 0) throw new Error(`BatchBuilder: no builder was taken for column ${untaken.join(', ')}`);
    const lengths = new Set([...this.columns.values()].map((column) => column.length));
    if (lengths.size > 1) {
      const detail = [...this.columns.values()].map((column) => `${column.name}=${column.length}`).join(', ');
      throw new Error(`BatchBuilder: columns have different lengths (${detail})`);
    }
    const length = lengths.values().next().value ?? 0;
    const children = this.schema.fields.map((field) => this.columns.get(field.name)!.finish());
    const data = makeData({ type: new Struct(this.schema.fields), length, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }

  private column<C extends AnyColumn>(name: string, kind: abstract new (field: never) => C): C {
    const column = this.columns.get(name);
    if (column === undefined) throw new Error(`BatchBuilder: the schema has no column ${name}`);
    if (!(column instanceof kind)) throw new Error(`BatchBuilder: column ${name} is ${String(column.field.type)}, not ${kind.name}`);
    this.taken.add(name);
    return column;
  }
}
