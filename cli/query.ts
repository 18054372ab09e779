import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { classifyQueryFailure } from '../actors/query/queryFailures.js';
import { QUERY_FORMATS, type DownloadFormat, type QueryAnswer, type QueryRequest, type QueryResult, type ResultCell, type TemplateInfo } from '../actors/query/queryTypes.js';
import { withSession } from './session.js';
import { UsageError } from './tasks.js';

export const DOWNLOAD_FORMATS: readonly DownloadFormat[] = QUERY_FORMATS.filter((f): f is DownloadFormat => f !== 'json');

export interface QueryCommandOptions {
  template?: string;
  /** `name=value` pairs, in order. */
  param: string[];
  json?: boolean;
  csv?: boolean;
  format?: DownloadFormat;
  out?: string;
}

/** How the answer is shown: a text table, the JSON result, or encoded bytes to a file or stdout. */
type Output = { kind: 'table' } | { kind: 'json' } | { kind: 'file'; format: DownloadFormat; out: string | undefined };

/**
 * `trace-lite query`: runs one request on the Query Service in this process (no server needed).
 * Returns the exit code: 0, 2 when the request was the user's mistake (HTTP 400 class), 1 otherwise.
 */
export async function queryCommand(sql: string | undefined, opts: QueryCommandOptions): Promise<number> {
  const request: QueryRequest = { sql, template: opts.template, params: templateParams(opts.param) };
  const output = chooseOutput(opts);
  return withSession(async ({ rt }) => {
    let answer: QueryAnswer;
    try {
      answer = await (await rt.query()).answer(request, output.kind === 'file' ? output.format : 'json');
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      return classifyQueryFailure(err).status === 400 ? 2 : 1;
    }
    if (answer.format === 'json') {
      const { result } = answer;
      process.stdout.write(`${output.kind === 'json' ? JSON.stringify(result) : formatTable(result)}\n`);
      process.stderr.write(`${result.stats.rows} row${result.stats.rows === 1 ? '' : 's'} in ${result.stats.elapsedMs} ms\n`);
      return 0;
    }
    const { body, stats } = answer.download;
    if (output.kind === 'file' && output.out !== undefined) {
      await writeFile(output.out, body);
      process.stderr.write(`wrote ${stats.rows} rows (${body.byteLength} bytes, ${answer.format}) to ${output.out} in ${stats.elapsedMs} ms\n`);
    } else {
      process.stdout.write(body);
    }
    return 0;
  });
}

/** `--param name=value` pairs; a value that looks like a safe integer is a number, anything else a string. */
export function templateParams(pairs: readonly string[]): Record<string, string | number> | undefined {
  if (pairs.length === 0) return undefined;
  const params: Record<string, string | number> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--param ${pair}: expected name=value`);
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (name in params) throw new UsageError(`--param ${name} given twice`);
    params[name] = /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  return params;
}

function chooseOutput(opts: QueryCommandOptions): Output {
  const format = opts.format ?? (opts.csv ? 'csv' : opts.out === undefined ? undefined : formatOfFile(opts.out));
  if (format !== undefined) return { kind: 'file', format, out: opts.out };
  return { kind: opts.json ? 'json' : 'table' };
}

function formatOfFile(path: string): DownloadFormat {
  const format = DOWNLOAD_FORMATS.find((f) => extname(path).toLowerCase() === `.${f}`);
  if (format === undefined) throw new UsageError(`--out ${path}: name the format with --format ${DOWNLOAD_FORMATS.join('|')}`);
  return format;
}

function cellText(cell: ResultCell): string {
  return cell === null ? 'NULL' : String(cell);
}

/** Columns padded to their widest cell; numbers right-aligned, everything else left-aligned. */
export function formatTable({ columns, rows }: QueryResult): string {
  const texts = rows.map((row) => row.map(cellText));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...texts.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[], rightAligned: (i: number) => boolean) =>
    cells.map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [
    line(columns.map((c) => c.name), () => false),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...texts.map((cells, r) => line(cells, (i) => typeof rows[r]?.[i] === 'number')),
  ].join('\n');
}

/** `trace-lite templates`: each stored template with its parameters (as `--param` takes them) and columns. */
export function formatTemplates(templates: readonly TemplateInfo[]): string {
  return templates
    .map((t) => {
      const params = t.params.map((p) => {
        const optional = p.default === undefined ? '' : ` (default ${p.default})`;
        return `  --param ${p.name}=<${p.type}>  ${p.description}${optional}`;
      });
      return [`${t.name}: ${t.description}`, ...params, `  columns: ${t.columns.join(', ')}`].join('\n');
    })
    .join('\n\n');
}
