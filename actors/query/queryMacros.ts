/**
 * The trusted macros every query's DuckDB gets before it is locked (sql/query_macros.sql): `u256`
 * and the table macros templates share (sampled blocks, ERC-20 transfers and balances, stake
 * changes). A table macro reads relations when it is called; `-- reads:` in its file says which,
 * so a query calling it has them attached.
 */
import { readFileSync } from 'node:fs';
import { parseStatements, sqlPath } from '../../drivers/postgres/sqlStatements.js';
import type { GateResult } from './sqlGate.js';

export interface QueryMacro {
  name: string;
  /** The CREATE MACRO statement. */
  sql: string;
  /** A table macro (`AS TABLE`): callable in FROM. */
  table: boolean;
  /** Relations it reads. */
  reads: string[];
  /** The other macros its body calls. */
  calls: string[];
}

/** The macros in file order: a macro may call only those defined before it. */
export function loadQueryMacros(file = 'query_macros.sql'): QueryMacro[] {
  const statements = [...parseStatements(readFileSync(sqlPath(file), 'utf8'))];
  return statements.map(([name, sql], i) => {
    if (!new RegExp(`^CREATE MACRO ${name}\\(`, 'm').test(sql)) throw new Error(`sql/${file}: statement ${name} must create the macro ${name}`);
    const reads = /^--\s*reads:\s*(.+)$/m.exec(sql)?.[1]?.split(',').map((r) => r.trim()) ?? [];
    const body = sql.slice(sql.indexOf('CREATE MACRO'));
    const calls = statements.slice(0, i).map(([other]) => other).filter((other) => new RegExp(`\\b${other}\\(`).test(body));
    return { name, sql, table: /\)\s+AS\s+TABLE\b/i.test(sql), reads, calls };
  });
}

/**
 * What a checked query needs: the macros it calls and the ones those call, in definition order
 * (creating only these saves ~1.2 ms a macro per query), and the relations it names or they read.
 */
export function queryNeeds(macros: readonly QueryMacro[], checked: Pick<GateResult, 'tables' | 'tableFunctions' | 'functions'>): { macros: QueryMacro[]; relations: string[] } {
  const wanted = new Set([...checked.tableFunctions, ...checked.functions]);
  for (const macro of [...macros].reverse()) if (wanted.has(macro.name)) for (const c of macro.calls) wanted.add(c);
  const chosen = macros.filter((m) => wanted.has(m.name));
  return { macros: chosen, relations: [...new Set([...checked.tables, ...chosen.flatMap((m) => m.reads)])] };
}
