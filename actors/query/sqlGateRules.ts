/** The SQL gate's rules: what a query may name, as allow- and deny-lists (declarative). */

export const DEFAULT_MAX_SQL_BYTES = 100 * 1024;

/** Table functions that may appear in FROM. Everything else is rejected. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest']);

export const ALLOWED_QUERY_NODES: ReadonlySet<string> = new Set([
  'SELECT_NODE',
  'SET_OPERATION_NODE',
  'RECURSIVE_CTE_NODE',
  'CTE_NODE',
]);

export const ALLOWED_TABLE_REFS: ReadonlySet<string> = new Set([
  'BASE_TABLE',
  'JOIN',
  'SUBQUERY',
  'TABLE_FUNCTION',
  'EMPTY',
  'EXPRESSION_LIST',
]);

/** Exact function names that touch files, network, secrets, settings or mutable state. */
const DENIED_FUNCTIONS: ReadonlySet<string> = new Set([
  'glob',
  'sniff_csv',
  'getenv',
  'current_setting',
  'getvariable',
  'set_variable',
  'nextval',
  'currval',
  'setseed',
  'checkpoint',
  'force_checkpoint',
  'query',
  'query_table',
  'which_secret',
  'load_aws_credentials',
  'st_read',
  'st_read_meta',
  'st_readosm',
  'st_readshp',
  'install',
  'load',
  'icu_calendar_names',
  'shell',
  'system',
]);

/** Name prefixes / suffixes that are denied (file readers, scanners, remote DBs, introspection). */
const DENIED_PREFIXES: readonly string[] = [
  'read_',
  'parquet_',
  'csv_',
  'json_read',
  'iceberg_',
  'delta_',
  'http_',
  'https_',
  'sqlite_',
  'postgres_',
  'mysql_',
  'duckdb_',
  'pragma_',
  'pg_',
  'ducklake_',
  'azure_',
  's3_',
  'gcs_',
  'hf_',
  'excel_',
  'arrow_',
  'enable_',
  'disable_',
];
const DENIED_SUFFIXES: readonly string[] = ['_scan', '_attach', '_query', '_execute', '_secret', '_secrets'];

export function isDeniedFunction(name: string, extra: ReadonlySet<string>): boolean {
  return (
    DENIED_FUNCTIONS.has(name) ||
    extra.has(name) ||
    DENIED_PREFIXES.some((p) => name.startsWith(p)) ||
    DENIED_SUFFIXES.some((s) => name.endsWith(s))
  );
}

export const PATHLIKE = /[/.:\\~]/;

/** The names of DuckDB's own catalog views and tables (system and pg_catalog schemas, information_schema), lower-case. */
export const CATALOG_NAMES_SQL = `SELECT DISTINCT lower(view_name) FROM duckdb_views() UNION SELECT DISTINCT lower(table_name) FROM duckdb_tables()`;

/**
 * Relation-name prefixes no dataset may have: DuckDB's catalogs (also those a later version adds)
 * and the service's internal tables (`__hot_<dataset>`).
 */
const RESERVED_RELATION_PREFIXES: readonly string[] = ['__', 'duckdb_', 'pg_', 'sqlite_', 'pragma_', 'information_schema'];

export function isReservedRelation(name: string): boolean {
  return RESERVED_RELATION_PREFIXES.some((p) => name.startsWith(p));
}
