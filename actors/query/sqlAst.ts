/** DuckDB's parse tree as `json_serialize_sql` prints it: what the SQL gate checks and the block windows are read from. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The string at `key`, or '' when it is not a string. */
export function str(o: JsonObject, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : '';
}

/** Every object in the tree, depth first, without recursion (deeply nested SQL must not blow the stack). */
export function* objectsOf(root: Json): Generator<JsonObject> {
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() ?? null;
    if (Array.isArray(node)) {
      for (const child of node) stack.push(child);
      continue;
    }
    if (!isObject(node)) continue;
    yield node;
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}

/** The names a query node's WITH clause defines, lower-case. */
export function cteNamesOf(o: JsonObject): string[] {
  const map = o['cte_map'];
  if (!isObject(map) || !Array.isArray(map['map'])) return [];
  return map['map'].flatMap((entry) => (isObject(entry) && typeof entry['key'] === 'string' ? [entry['key'].toLowerCase()] : []));
}
