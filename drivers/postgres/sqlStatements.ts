import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Root of the repository's sql/ folder, from the sources and the compiled dist/. */
const SQL_ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../sql/' : '../../sql/', import.meta.url));

/** Path of a file under sql/. */
export function sqlPath(relative: string): string {
  return `${SQL_ROOT}${relative}`;
}

export function listSqlFiles(folder: string): string[] {
  return readdirSync(sqlPath(folder))
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

/**
 * Parses a statements file: each statement starts with a `-- name: someName` line and runs to
 * the next one; comment lines directly under the name document it.
 */
export function parseStatements(text: string): Map<string, string> {
  const statements = new Map<string, string>();
  let current: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (current !== undefined) statements.set(current, body.join('\n').trim().replace(/;\s*$/, ''));
  };
  for (const line of text.split('\n')) {
    const header = /^--\s*name:\s*([A-Za-z][A-Za-z0-9_]*)\s*$/.exec(line);
    if (header) {
      flush();
      current = header[1];
      if (current !== undefined && statements.has(current)) throw new Error(`duplicate statement name ${current}`);
      body = [];
    } else if (current !== undefined) {
      body.push(line);
    }
  }
  flush();
  return statements;
}

/**
 * A named statement, passed to pg as a query config: pg prepares it once per connection under its
 * name and reuses the plan (bench/queue: +10% batched consume, where planning was ~40% of a receive).
 */
export interface Statement {
  name: string;
  text: string;
}

/**
 * Loads the named statements a module uses from one file under sql/, failing at startup (not at
 * first use) when one is missing.
 */
export function loadStatements<const N extends string>(file: string, names: readonly N[]): Record<N, Statement> {
  const all = parseStatements(readFileSync(sqlPath(file), 'utf8'));
  const out = {} as Record<N, Statement>;
  for (const name of names) {
    const text = all.get(name);
    if (text === undefined) throw new Error(`statement ${name} is missing from sql/${file}`);
    out[name] = { name: `${file}:${name}`, text };
  }
  return out;
}
