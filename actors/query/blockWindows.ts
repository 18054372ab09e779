/**
 * The block window a query reads of each relation, proved from its parse tree: the rows of a
 * relation outside its window cannot change the answer, so the Query Service leaves them out (no
 * cold file outside it is fetched, no hot row outside it is read). Conservative: a reference the
 * rules below do not cover reads the whole relation.
 *
 * A reference to a relation in the FROM clause of a SELECT is bounded by the top-level AND
 * conjuncts of that SELECT's WHERE that compare its `block_number` with a constant (literals and
 * bound parameters, `+`/`-` and casts of them): `=`, `<`, `<=`, `>`, `>=`, BETWEEN. Such a conjunct
 * drops every output row built from a row outside the bound, whatever the joins, so dropping those
 * rows first changes nothing. Through `x.block_number = y.block_number` conjuncts of ON clauses,
 * a bound on x also bounds y (a row of y can only pair with rows of x having its block number);
 * only for INNER, LEFT and comma joins, and not at all in a SELECT with a sample or another kind of
 * join. Relations named like a CTE, or read by a table macro, are read whole.
 */
import type { QueryMacro } from './queryMacros.js';
import { readColumns } from './readColumns.js';
import type { GateResult } from './sqlGate.js';
import { cteNamesOf, isObject, objectsOf, str, type Json, type JsonObject } from './sqlAst.js';
import type { BoundValue } from './templates.js';

/** Blocks [from, to); `to` is Infinity when unbounded above. */
export interface BlockWindow {
  from: number;
  to: number;
}

export const WHOLE_CHAIN: BlockWindow = { from: 0, to: Infinity };

/** How a query reads its relations. */
export interface ReadPlan {
  /** The blocks the query reads of each relation; a relation not listed is read whole. */
  windows: ReadonlyMap<string, BlockWindow>;
  /** The columns it can read of each relation (readColumns.ts); null or not listed: all. */
  columns: ReadonlyMap<string, readonly string[] | null>;
  /** TRACE_HOT_RETENTION_BLOCKS: the newest blocks of a dataset that form its hot tier. */
  retentionBlocks: number;
}

/** The read plan of a checked query with its bound parameters and what it needs (queryNeeds). */
export function readPlan(
  checked: Pick<GateResult, 'ast'>,
  params: Readonly<Record<string, BoundValue>>,
  needs: { macros: readonly QueryMacro[]; relations: readonly string[] },
  retentionBlocks: number,
): ReadPlan {
  const readByMacros = new Set(needs.macros.flatMap((m) => m.reads));
  return {
    windows: blockWindows(checked.ast, params, needs.relations, readByMacros),
    columns: readColumns(checked.ast, needs.relations, readByMacros),
    retentionBlocks,
  };
}

const BLOCK_COLUMN = 'block_number';
const JOINS_THAT_TRANSFER = new Set(['INNER', 'LEFT']);
const JOIN_REF_TYPES = new Set(['REGULAR', 'CROSS']);

interface TableRef {
  relation: string;
  /** The name its columns are qualified with: its alias, else its table name. */
  name: string;
}

/** Per relation in `relations`, the window of blocks the query `ast` reads of it. */
export function blockWindows(
  ast: JsonObject,
  params: Readonly<Record<string, BoundValue>>,
  relations: readonly string[],
  readWhole: ReadonlySet<string>,
): Map<string, BlockWindow> {
  const objects = [...objectsOf(ast)];
  const cteNames = new Set(objects.flatMap(cteNamesOf));
  const referenced = new Map<string, number>();
  for (const o of objects) if (str(o, 'type') === 'BASE_TABLE') increment(referenced, str(o, 'table_name').toLowerCase());

  const found = new Map<string, BlockWindow[]>();
  for (const node of objects) {
    if (str(node, 'type') !== 'SELECT_NODE') continue;
    for (const [ref, window] of selectWindows(node, params)) found.set(ref.relation, [...(found.get(ref.relation) ?? []), window]);
  }
  const windows = new Map<string, BlockWindow>();
  for (const relation of relations) {
    const seen = found.get(relation) ?? [];
    const bounded = !cteNames.has(relation) && !readWhole.has(relation) && seen.length > 0 && seen.length === referenced.get(relation);
    windows.set(relation, bounded ? hull(seen) : WHOLE_CHAIN);
  }
  return windows;
}

/** The window of each base table reference in a SELECT's FROM clause. */
function selectWindows(node: JsonObject, params: Readonly<Record<string, BoundValue>>): Map<TableRef, BlockWindow> {
  const from: FromItems = { refs: [], others: 0, equalities: [] };
  const simpleJoins = collectFrom(node['from_table'] ?? null, from);
  const result = new Map<TableRef, BlockWindow>();
  if (!simpleJoins || node['sample'] !== null) {
    for (const ref of from.refs) result.set(ref, WHOLE_CHAIN);
    return result;
  }
  // An unqualified block_number is a table's only when nothing else in FROM could have the column.
  const soleTable = from.refs.length === 1 && from.others === 0 ? from.refs[0]!.name : undefined;
  const names = new Set(from.refs.map((r) => r.name));
  const bounds = new Map<string, BlockWindow>();
  for (const conjunct of conjuncts(node['where_clause'] ?? null)) {
    const bound = blockBound(conjunct, params, (column) => blockColumnOwner(column, soleTable, names));
    if (bound) bounds.set(bound.name, intersect(bounds.get(bound.name) ?? WHOLE_CHAIN, bound.window));
  }
  for (const ref of from.refs) result.set(ref, classBound(ref.name, bounds, from.equalities));
  return result;
}

/** What a FROM clause holds: its base table references, how many other items, and the block-number equalities of its ON clauses. */
interface FromItems {
  refs: TableRef[];
  others: number;
  equalities: [string, string][];
}

/**
 * Walks a FROM tree into `items`. False when it joins in another way than INNER, LEFT or comma
 * (the references found are then read whole).
 */
function collectFrom(from: Json, items: FromItems): boolean {
  if (!isObject(from)) return from === null;
  const type = str(from, 'type');
  if (type === 'BASE_TABLE') {
    const relation = str(from, 'table_name').toLowerCase();
    items.refs.push({ relation, name: (str(from, 'alias') || relation).toLowerCase() });
    return from['sample'] === null;
  }
  if (type !== 'JOIN') {
    // A subquery, table function or VALUES list: its own SELECTs are bounded on their own.
    items.others += 1;
    return true;
  }
  const left = collectFrom(from['left'] ?? null, items);
  const right = collectFrom(from['right'] ?? null, items);
  for (const c of conjuncts(from['condition'] ?? null)) {
    if (str(c, 'type') !== 'COMPARE_EQUAL') continue;
    const a = blockColumnQualifier(c['left'] ?? null);
    const b = blockColumnQualifier(c['right'] ?? null);
    if (a && b) items.equalities.push([a, b]);
  }
  return left && right && JOINS_THAT_TRANSFER.has(str(from, 'join_type')) && JOIN_REF_TYPES.has(str(from, 'ref_type'));
}

/** Whose block_number a column reference is: a FROM table's name, lower-case. */
function blockColumnOwner(column: Json, soleTable: string | undefined, names: ReadonlySet<string>): string | undefined {
  const qualifier = blockColumnQualifier(column);
  if (qualifier === '') return soleTable;
  return qualifier !== undefined && names.has(qualifier) ? qualifier : undefined;
}

/** For a `block_number` column reference, its qualifier (lower-case; '' when unqualified). */
function blockColumnQualifier(expr: Json): string | undefined {
  if (!isObject(expr) || str(expr, 'type') !== 'COLUMN_REF') return undefined;
  const parts = expr['column_names'];
  if (!Array.isArray(parts) || parts.length < 1 || parts.length > 2 || parts.some((n) => typeof n !== 'string')) return undefined;
  const names = (parts as string[]).map((n) => n.toLowerCase());
  if (names[names.length - 1] !== BLOCK_COLUMN) return undefined;
  return names.length === 2 ? names[0] : '';
}

/** The bound on one reference's block number that a WHERE conjunct states, if it states one. */
function blockBound(
  conjunct: JsonObject,
  params: Readonly<Record<string, BoundValue>>,
  owner: (column: Json) => string | undefined,
): { name: string; window: BlockWindow } | undefined {
  const type = str(conjunct, 'type');
  if (type === 'COMPARE_BETWEEN') {
    const name = owner(conjunct['input'] ?? null);
    const lower = constantOf(conjunct['lower'] ?? null, params);
    const upper = constantOf(conjunct['upper'] ?? null, params);
    return name !== undefined && lower !== undefined && upper !== undefined ? { name, window: window(lower, upper + 1) } : undefined;
  }
  for (const [columnSide, valueSide, flipped] of [['left', 'right', false], ['right', 'left', true]] as const) {
    const name = owner(conjunct[columnSide] ?? null);
    const value = constantOf(conjunct[valueSide] ?? null, params);
    if (name === undefined || value === undefined) continue;
    const compared = flipped ? FLIPPED[type] : type;
    if (compared === 'COMPARE_EQUAL') return { name, window: window(value, value + 1) };
    if (compared === 'COMPARE_GREATERTHAN') return { name, window: window(value + 1, Infinity) };
    if (compared === 'COMPARE_GREATERTHANOREQUALTO') return { name, window: window(value, Infinity) };
    if (compared === 'COMPARE_LESSTHAN') return { name, window: window(0, value) };
    if (compared === 'COMPARE_LESSTHANOREQUALTO') return { name, window: window(0, value + 1) };
  }
  return undefined;
}

const FLIPPED: Record<string, string> = {
  COMPARE_EQUAL: 'COMPARE_EQUAL',
  COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN',
  COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO',
  COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN',
  COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO',
};

/** An integer the expression always equals: literals, bound parameters, casts and `+`/`-` of them. */
function constantOf(expr: Json, params: Readonly<Record<string, BoundValue>>): number | undefined {
  if (!isObject(expr)) return undefined;
  const integer = (v: unknown): number | undefined => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
  };
  switch (str(expr, 'type')) {
    case 'VALUE_CONSTANT': {
      const value = expr['value'];
      return isObject(value) && value['is_null'] === false ? integer(value['value']) : undefined;
    }
    case 'VALUE_PARAMETER':
      return integer(params[str(expr, 'identifier')]);
    case 'OPERATOR_CAST':
      return constantOf(expr['child'] ?? null, params);
    case 'FUNCTION': {
      const args = Array.isArray(expr['children']) ? expr['children'].map((c) => constantOf(c, params)) : [];
      if (expr['is_operator'] !== true || args.some((a) => a === undefined)) return undefined;
      const [a, b] = args as number[];
      const op = str(expr, 'function_name');
      if (op === '+' && args.length === 2) return integer(a! + b!);
      if (op === '-' && args.length === 2) return integer(a! - b!);
      if (op === '-' && args.length === 1) return integer(-a!);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A reference's bound, met with the bounds of every reference its block number is equal to. */
function classBound(name: string, bounds: ReadonlyMap<string, BlockWindow>, equalities: readonly [string, string][]): BlockWindow {
  const members = new Set([name]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of equalities) {
      if (members.has(a) !== members.has(b)) {
        members.add(a);
        members.add(b);
        grew = true;
      }
    }
  }
  return [...members].reduce((w, m) => intersect(w, bounds.get(m) ?? WHOLE_CHAIN), WHOLE_CHAIN);
}

/** The top-level AND conjuncts of an expression. */
function conjuncts(expr: Json): JsonObject[] {
  if (!isObject(expr)) return [];
  if (str(expr, 'type') !== 'CONJUNCTION_AND' || !Array.isArray(expr['children'])) return [expr];
  return expr['children'].flatMap((c) => conjuncts(c));
}

function window(from: number, to: number): BlockWindow {
  return { from: Math.max(0, from), to };
}

function intersect(a: BlockWindow, b: BlockWindow): BlockWindow {
  return { from: Math.max(a.from, b.from), to: Math.min(a.to, b.to) };
}

function hull(windows: readonly BlockWindow[]): BlockWindow {
  return windows.reduce((h, w) => ({ from: Math.min(h.from, w.from), to: Math.max(h.to, w.to) }));
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
