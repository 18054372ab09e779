/**
 * The columns a query can read of each relation, from its parse tree: every name it mentions
 * anywhere (a superset: a name counts for every relation with such a column; struct fields and
 * aliases only add names), plus block_number and the key a relation keeps one row per. All columns when it selects a star, names a
 * table as a whole row, joins NATURAL, or reads the relation through a table macro. Hot rows are
 * read from Postgres with these columns only: what a row costs to read is paid per column.
 */
import { DATASET_CATALOG, isCryoDataset } from '../../drivers/datasets/catalog.js';
import { distinctKey } from './relations.js';
import { objectsOf, str, type JsonObject } from './sqlAst.js';

/** Per relation, the column names the query can read; null when it can read them all (or has no known columns). */
export function readColumns(ast: JsonObject, relations: readonly string[], readWhole: ReadonlySet<string>): Map<string, string[] | null> {
  const names = new Set<string>();
  const loneNames = new Set<string>();
  const tableNames = new Set<string>();
  let everything = false;
  for (const o of objectsOf(ast)) {
    const type = str(o, 'type');
    if (str(o, 'class') === 'STAR' || str(o, 'ref_type') === 'NATURAL') everything = true;
    if (type === 'BASE_TABLE' || type === 'SUBQUERY' || type === 'TABLE_FUNCTION') {
      tableNames.add((str(o, 'alias') || str(o, 'table_name')).toLowerCase());
    }
    const parts = type === 'COLUMN_REF' ? o['column_names'] : o['using_columns'];
    if (!Array.isArray(parts)) continue;
    for (const p of parts) if (typeof p === 'string') names.add(p.toLowerCase());
    if (type === 'COLUMN_REF' && parts.length === 1 && typeof parts[0] === 'string') loneNames.add(parts[0].toLowerCase());
  }
  // A lone name that is a table's is its whole row (`SELECT t FROM transactions t`, `to_json(t)`).
  const wholeRow = [...tableNames].some((t) => loneNames.has(t));
  const columns = new Map<string, string[] | null>();
  for (const relation of relations) {
    if (everything || wholeRow || readWhole.has(relation) || !isCryoDataset(relation)) {
      columns.set(relation, null);
      continue;
    }
    const kept = new Set([...names, ...(distinctKey(relation) ?? []), 'block_number']);
    columns.set(relation, DATASET_CATALOG[relation].columns.map((c) => c.name).filter((c) => kept.has(c)));
  }
  return columns;
}
