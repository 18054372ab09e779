import test from 'ava';
import { CRYO_DATASETS, DATASET_CATALOG, HOT_DATASETS, isHotDataset, type HotDatasetName } from '../../drivers/datasets/catalog.js';
import { createInstallation } from '../helpers/installation.js';

/**
 * The migrations create the hot tables; the catalog says what they must hold. These tests apply the
 * migrations to a fresh schema and compare the two through information_schema, so a migration and
 * the catalog cannot drift apart unnoticed. Column order is not compared: COPY names its columns
 * (the catalog's) and the Query Service reads hot rows by column name.
 */

/** A hot-table column as information_schema describes it, its type spelled as the catalog spells it. */
interface TableColumn {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

const TABLE_COLUMNS_SQL = `
SELECT table_name::text AS "table", column_name::text AS "column", is_nullable::text = 'YES' AS nullable,
       CASE WHEN data_type = 'numeric' AND numeric_precision IS NOT NULL
            THEN format('numeric(%s%s)', numeric_precision, CASE WHEN numeric_scale = 0 THEN '' ELSE ',' || numeric_scale END)
            ELSE data_type::text END AS type
FROM information_schema.columns
WHERE table_schema = $1
ORDER BY table_name, ordinal_position`;

const UNIQUE_KEYS_SQL = `
SELECT tc.table_name::text AS "table", array_agg(k.column_name::text ORDER BY k.ordinal_position) AS columns
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage k
  ON k.constraint_schema = tc.constraint_schema AND k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name
WHERE tc.table_schema = $1 AND tc.constraint_type IN ('UNIQUE', 'PRIMARY KEY')
GROUP BY tc.table_name, tc.constraint_name
ORDER BY tc.table_name, tc.constraint_name`;

function spelled(type: string, nullable: boolean): string {
  return `${type} ${nullable ? 'NULL' : 'NOT NULL'}`;
}

/** Every difference between a dataset's catalog columns and its hot table's, one message each naming the dataset and column. */
function hotTableDrift(dataset: HotDatasetName, table: readonly TableColumn[]): string[] {
  const catalog = DATASET_CATALOG[dataset].columns;
  const drift: string[] = [];
  for (const column of catalog) {
    const expected = spelled(column.hotType, column.nullable);
    const found = table.find((c) => c.column === column.name);
    if (found === undefined) drift.push(`${dataset}.${column.name}: the catalog has it (${expected}), the hot table does not`);
    else if (spelled(found.type, found.nullable) !== expected) {
      drift.push(`${dataset}.${column.name}: the catalog says ${expected}, the hot table has ${spelled(found.type, found.nullable)}`);
    }
  }
  for (const found of table) {
    if (!catalog.some((column) => column.name === found.column)) drift.push(`${dataset}.${found.column}: the hot table has it, the catalog does not`);
  }
  return drift;
}

test('the migrated data schema holds one hot table per hot dataset, each with the catalog columns, types and nullability', async (t) => {
  const inst = await createInstallation(t);
  const { rows } = await inst.pool.query<TableColumn>(TABLE_COLUMNS_SQL, [inst.schemas.data]);
  const tables = [...new Set(rows.map((r) => r.table))];
  t.deepEqual(tables.filter((table) => !isHotDataset(table)), [], 'tables in the data schema that the catalog has no hot dataset for');
  t.deepEqual(HOT_DATASETS.filter((dataset) => !tables.includes(dataset)), [], 'hot datasets without a table');
  const drift = HOT_DATASETS.flatMap((dataset) => hotTableDrift(dataset, rows.filter((r) => r.table === dataset)));
  t.deepEqual(drift, [], `hot tables that drifted from drivers/datasets/catalog.ts:\n${drift.join('\n')}`);
});

test('a hot table unique constraint is on its dataset key', async (t) => {
  const inst = await createInstallation(t);
  const { rows } = await inst.pool.query<{ table: string; columns: string[] }>(UNIQUE_KEYS_SQL, [inst.schemas.data]);
  t.true(rows.length > 0, 'no unique constraint found, but blocks has one');
  for (const { table, columns } of rows) {
    t.true(isHotDataset(table), `${table}: a table the catalog has no hot dataset for`);
    if (isHotDataset(table)) t.deepEqual(columns, [...DATASET_CATALOG[table].key], `${table}: the unique constraint is not on the catalog key`);
  }
});

test('every catalog key names non-null columns of its dataset, and no dataset repeats a column', (t) => {
  for (const dataset of CRYO_DATASETS) {
    const { columns, key } = DATASET_CATALOG[dataset];
    const names = columns.map((column) => column.name);
    t.deepEqual(names, [...new Set(names)], `${dataset}: a repeated column`);
    for (const name of key) {
      t.true(columns.some((column) => column.name === name && !column.nullable), `${dataset}: key column ${name} is not a non-null column`);
    }
  }
});

test('the drift check names the dataset and column of a changed type, nullability, missing or extra column', (t) => {
  const table: TableColumn[] = DATASET_CATALOG.blocks.columns.map((c) => ({ table: 'blocks', column: c.name, type: c.hotType, nullable: c.nullable }));
  t.deepEqual(hotTableDrift('blocks', table), []);
  const drifted = table
    .filter((c) => c.column !== 'parent_hash')
    .map((c) => (c.column === 'gas_used' ? { ...c, type: 'bigint' } : c.column === 'base_fee_per_gas' ? { ...c, nullable: false } : c));
  drifted.push({ table: 'blocks', column: 'size', type: 'bigint', nullable: true });
  t.deepEqual(hotTableDrift('blocks', drifted), [
    'blocks.parent_hash: the catalog has it (bytea NOT NULL), the hot table does not',
    'blocks.gas_used: the catalog says numeric(20) NOT NULL, the hot table has bigint NOT NULL',
    'blocks.base_fee_per_gas: the catalog says numeric(20) NULL, the hot table has numeric(20) NOT NULL',
    'blocks.size: the hot table has it, the catalog does not',
  ]);
});
