/**
 * The Arrow schemas of the Cryo datasets, made from the catalog: column for column as Cryo writes
 * them (names, order, types, nullability), so decoded batches and the Parquet files written from
 * them (projected to a stream's columns) read like Cryo's own.
 */
import { Binary, Bool, Field, Float64, Int64, Schema, Uint32, Uint64, Utf8, type DataType } from 'apache-arrow';
import { CRYO_DATASETS, DATASET_CATALOG, type ArrowTypeName, type CryoDatasetName, type DatasetColumn } from './catalog.js';
import type { EventColumnType } from './logEvent.js';

/** The Arrow type of each type name: the catalog's, and the decoded event columns' (Int64 too). */
export const ARROW_TYPES: { readonly [T in ArrowTypeName | EventColumnType]: () => DataType } = {
  Int64: () => new Int64(),
  Uint32: () => new Uint32(),
  Uint64: () => new Uint64(),
  Binary: () => new Binary(),
  Utf8: () => new Utf8(),
  Float64: () => new Float64(),
  Bool: () => new Bool(),
};

function schemaOf(columns: readonly DatasetColumn[]): Schema {
  return new Schema(columns.map((column) => new Field(column.name, ARROW_TYPES[column.arrowType](), column.nullable)));
}

function cryoSchema(dataset: CryoDatasetName): Schema {
  return schemaOf(DATASET_CATALOG[dataset].decodedColumns);
}

/** Each dataset's Arrow schema as its decoder builds it (default and optional columns), by Cryo's dataset name. */
export const CRYO_SCHEMAS = Object.fromEntries(CRYO_DATASETS.map((dataset) => [dataset, cryoSchema(dataset)])) as {
  readonly [D in CryoDatasetName]: Schema;
};

/** Each dataset's default file schema: its default columns, which are also its hot table's and query relation's. */
export const CRYO_DEFAULT_SCHEMAS = Object.fromEntries(CRYO_DATASETS.map((dataset) => [dataset, schemaOf(DATASET_CATALOG[dataset].columns)])) as {
  readonly [D in CryoDatasetName]: Schema;
};
