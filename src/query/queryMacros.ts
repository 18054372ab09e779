/**
 * The trusted macros every query's DuckDB gets before it is locked (sql/query_macros.sql): `u256`
 * and the table macros templates share (sampled blocks, ERC-20 transfers and balances, stake
 * changes). A table macro reads relations when it is called; `-- reads:` in its file says which,
 * so a query calling it has them attached.
 */
import { readFileSync } from 'node:fs';
import { parseStatements, sqlPath } from '../drivers/sqlStatements.js';

export interface QueryMacro {
  name: string;
  /** The CREATE MACRO statement. */
  sql: string;
  /** A table macro (`AS TABLE`): callable in FROM. */
  table: boolean;
  /** Relations it reads. */
  reads: string[];
}

export function loadQueryMacros(file = 'query_macros.sql'): QueryMacro[] {
  return [...parseStatements(readFileSync(sqlPath(file), 'utf8'))].map(([name, sql]) => {
    if (!new RegExp(`^CREATE MACRO ${name}\\(`, 'm').test(sql)) throw new Error(`sql/${file}: statement ${name} must create the macro ${name}`);
    const reads = /^--\s*reads:\s*(.+)$/m.exec(sql)?.[1]?.split(',').map((r) => r.trim()) ?? [];
    return { name, sql, table: /\)\s+AS\s+TABLE\b/i.test(sql), reads };
  });
}

/** The relations a query needs: the tables it names and those the macros it calls read. */
export function relationsFor(macros: readonly QueryMacro[], tables: readonly string[], tableFunctions: readonly string[]): string[] {
  const needed = new Set(tables);
  for (const macro of macros) if (tableFunctions.includes(macro.name)) for (const r of macro.reads) needed.add(r);
  return [...needed];
}
