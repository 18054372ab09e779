/**
 * Stored query templates: `sql/queries/<name>.sql`, a header of `-- key: value` lines declaring the
 * name, a description, typed parameters and the result columns, then one SELECT using DuckDB
 * named parameters (`$from_block`). Parameters are validated and typed here; the SQL still passes
 * the gate like any user query.
 *
 *   -- param to_block: block — Last block of the window, inclusive
 *   -- param step: positive_int = 1 — Sample every step-th block
 *   -- param genesis_supply_wei: uint256 = config — filled from configuration
 *   -- param block: block = newest — the newest block registered for the template's chain
 */
import { readFileSync } from 'node:fs';
import { listSqlFiles, sqlPath } from '../../drivers/postgres/sqlStatements.js';
import { QueryInputError, type TemplateInfo, type TemplateParamInfo } from './queryTypes.js';

export const PARAM_TYPES = ['chain_id', 'block', 'positive_int', 'address', 'token', 'uint256', 'fraction'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** A value bound to a DuckDB named parameter. */
export type BoundValue = number | string;

interface TemplateParam extends TemplateParamInfo {
  type: ParamType;
  /** `= config`: the service fills it from configuration when the caller gives none. */
  fromConfig: boolean;
  /** `= newest` (a block): the service fills in the newest block registered for the template's chain. */
  newest: boolean;
}

export interface QueryTemplate extends TemplateInfo {
  params: TemplateParam[];
  sql: string;
}

/** Values the service supplies for `= config` parameters and an omitted chain_id. */
export interface TemplateDefaults {
  config: Record<string, BoundValue>;
  /** The chain to use when a template's chain_id is omitted; undefined when it is ambiguous. */
  chainId: () => Promise<number | undefined>;
  /** The newest block registered for a chain; undefined when it has none. */
  newestBlock: (chainId: number) => Promise<number | undefined>;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;

export class TemplateCatalog {
  private constructor(private readonly byName: ReadonlyMap<string, QueryTemplate>) {}

  /** Reads every sql/queries/*.sql; a malformed file fails startup, naming the file and line. */
  static load(folder = 'queries'): TemplateCatalog {
    const byName = new Map<string, QueryTemplate>();
    for (const file of listSqlFiles(folder)) {
      const template = parseTemplate(file, readFileSync(sqlPath(`${folder}/${file}`), 'utf8'));
      if (byName.has(template.name)) throw new Error(`sql/${folder}/${file}: template ${template.name} is defined twice`);
      byName.set(template.name, template);
    }
    return new TemplateCatalog(byName);
  }

  list(): TemplateInfo[] {
    return [...this.byName.values()].map(({ name, description, params, columns }) => ({
      name,
      description,
      columns,
      params: params.map(({ name: p, type, description: d, default: def }) => ({ name: p, type, description: d, ...(def === undefined ? {} : { default: def }) })),
    }));
  }

  get(name: string): QueryTemplate {
    const template = this.byName.get(name);
    if (!template) throw new QueryInputError('unknown_template', `unknown template ${JSON.stringify(name)}; known: ${[...this.byName.keys()].join(', ')}`);
    return template;
  }

  /** The template's parameters checked, typed and completed with defaults. */
  async bind(template: QueryTemplate, given: Record<string, unknown>, defaults: TemplateDefaults): Promise<Record<string, BoundValue>> {
    const known = new Set(template.params.map((p) => p.name));
    const unknown = Object.keys(given).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new QueryInputError('unknown_param', `template ${template.name} has no parameter(s) ${unknown.join(', ')}; it takes ${[...known].join(', ')}`);
    }
    const bound: Record<string, BoundValue> = {};
    for (const param of template.params) {
      const raw = given[param.name];
      if (raw !== undefined && raw !== null && raw !== '') {
        bound[param.name] = coerce(template.name, param, raw);
      } else if (param.fromConfig) {
        const value = defaults.config[param.name];
        if (value === undefined) throw new Error(`template ${template.name}: no configured value for ${param.name}`);
        bound[param.name] = coerce(template.name, param, value);
      } else if (param.newest) {
        // The chain parameter comes first in a template's header, so it is bound already.
        const chain = template.params.find((p) => p.type === 'chain_id');
        const chainId = chain === undefined ? undefined : bound[chain.name];
        const newest = typeof chainId === 'number' ? await defaults.newestBlock(chainId) : undefined;
        if (newest === undefined) throw new QueryInputError('missing_param', `template ${template.name}: pass ${param.name} (no block is registered for the chain)`);
        bound[param.name] = newest;
      } else if (param.default !== undefined) {
        bound[param.name] = coerce(template.name, param, param.default);
      } else if (param.type === 'chain_id') {
        const chainId = await defaults.chainId();
        if (chainId === undefined) throw new QueryInputError('missing_param', `template ${template.name}: pass chain_id (several chains are registered)`);
        bound[param.name] = chainId;
      } else {
        throw new QueryInputError('missing_param', `template ${template.name}: parameter ${param.name} (${param.type}) is required`);
      }
    }
    return bound;
  }
}

function coerce(template: string, param: TemplateParam, raw: unknown): BoundValue {
  const bad = (expected: string): never => {
    throw new QueryInputError('bad_param', `template ${template}: parameter ${param.name} must be ${expected}, got ${JSON.stringify(raw)?.slice(0, 80)}`);
  };
  const integer = (min: number): number => {
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) return bad(`an integer ≥ ${min}`);
    return n;
  };
  switch (param.type) {
    case 'block':
      return integer(0);
    case 'chain_id':
    case 'positive_int':
      return integer(1);
    case 'fraction': {
      const n = typeof raw === 'string' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) return bad('a number in [0, 1]');
      return n;
    }
    case 'uint256': {
      const s = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw;
      if (typeof s !== 'string' || !/^\d{1,78}$/.test(s)) return bad('a non-negative decimal integer (a string for values above 2^53)');
      return s;
    }
    case 'address':
    case 'token': {
      const s = typeof raw === 'string' ? raw.toLowerCase() : raw;
      if (param.type === 'token' && s === 'native') return s;
      if (typeof s !== 'string' || !ADDRESS.test(s)) return bad(param.type === 'token' ? "'native' or a 0x address" : 'a 0x address (40 hex digits)');
      return s;
    }
  }
}

/** Parses one template file (exported for tests of the format). */
export function parseTemplate(file: string, text: string): QueryTemplate {
  const lines = text.split('\n');
  let name: string | undefined;
  let description = '';
  let columns: string[] = [];
  const params: TemplateParam[] = [];
  let bodyStart = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = /^--\s*(?:(name|description|columns):|(param)\s)\s*(.*)$/.exec(line);
    if (!header) {
      if (line.startsWith('--') || line.trim() === '') continue;
      bodyStart = i;
      break;
    }
    const [, field, param, value] = header as unknown as [string, string | undefined, string | undefined, string];
    const key = field ?? param;
    const fail = (why: string): never => {
      throw new Error(`sql/queries/${file}:${i + 1}: ${why}`);
    };
    if (key === 'name') name = value.trim();
    else if (key === 'description') description = value.trim();
    else if (key === 'columns') columns = value.split(',').map((c) => c.trim()).filter(Boolean);
    else params.push(parseParam(value, fail));
  }
  const fail = (why: string): never => {
    throw new Error(`sql/queries/${file}: ${why}`);
  };
  if (!name || !/^[a-z][a-z0-9_]*$/.test(name)) return fail('needs a `-- name:` line with a snake_case name');
  if (`${name}.sql` !== file) fail(`the file of template ${name} must be named ${name}.sql`);
  if (columns.length === 0) fail('needs a `-- columns:` line');
  const sql = lines.slice(bodyStart).join('\n').trim().replace(/;\s*$/, '');
  if (sql === '') fail('has no SQL after its header');
  for (const p of params) if (!sql.includes(`$${p.name}`)) fail(`parameter ${p.name} is declared but $${p.name} is not used`);
  return { name, description, params, columns, sql };
}

function parseParam(text: string, fail: (why: string) => never): TemplateParam {
  // name: type [= default] [— description]
  const m = /^([a-z][a-z0-9_]*)\s*:\s*([a-z_0-9]+)\s*(?:=\s*([^\s—]+))?\s*(?:—\s*(.*))?$/.exec(text.trim());
  if (!m) return fail(`bad param declaration ${JSON.stringify(text)}; expected "name: type [= default] — description"`);
  const [, name, type, def, description] = m as unknown as [string, string, string, string | undefined, string | undefined];
  if (!(PARAM_TYPES as readonly string[]).includes(type)) fail(`param ${name}: unknown type ${type}; types are ${PARAM_TYPES.join(', ')}`);
  const fromConfig = def === 'config';
  const newest = def === 'newest';
  if (newest && type !== 'block') fail(`param ${name}: only a block may default to newest`);
  const parsedDefault = def === undefined || fromConfig || newest ? undefined : /^\d+(\.\d+)?$/.test(def) ? Number(def) : def.replace(/^'(.*)'$/, '$1');
  return {
    name,
    type: type as ParamType,
    description: (description ?? '').trim(),
    fromConfig,
    newest,
    ...(parsedDefault === undefined ? {} : { default: parsedDefault }),
  };
}
