import { Option, type Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { QUERY_FORMATS, type DownloadFormat, type QueryAnswer, type QueryRequest } from '../../actors/query/queryTypes.js';
import { formatTable } from '../resultTable.js';
import { withSession } from '../session.js';
import { UsageError } from '../usageError.js';

const DOWNLOAD_FORMATS: readonly DownloadFormat[] = QUERY_FORMATS.filter((f): f is DownloadFormat => f !== 'json');

interface QueryCommandOptions {
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

export function registerQuery(program: Command): void {
  program
    .command('query [sql]')
    .description('run one read-only query (ad-hoc SQL or a stored template) on the Query Service in this process')
    .option('--template <name>', 'a stored template instead of SQL (see `trace-lite templates`)')
    .option('--param <name=value>', 'a template parameter; repeat for more', (pair: string, pairs: string[]) => [...pairs, pair], [])
    .addOption(new Option('--json', 'print the JSON result (columns, rows, stats)').conflicts(['csv', 'format', 'out']))
    .addOption(new Option('--csv', 'print the result as CSV').conflicts('format'))
    .addOption(new Option('--format <format>', 'encode the result as a file').choices(DOWNLOAD_FORMATS))
    .option('--out <file>', 'write the encoded result here (format from --format or the file extension)')
    .action(async (sql: string | undefined, opts: QueryCommandOptions) => {
      process.exitCode = await queryCommand(sql, opts);
    });
}

/**
 * `trace-lite query`: runs one request on the Query Service in this process (no server needed).
 * Returns the exit code: 0, 2 when the request was the user's mistake (HTTP 400 class), 1 otherwise.
 */
async function queryCommand(sql: string | undefined, opts: QueryCommandOptions): Promise<number> {
  const request: QueryRequest = { sql, template: opts.template, params: templateParams(opts.param) };
  const output = chooseOutput(opts);
  return withSession(async ({ rt }) => {
    let answer: QueryAnswer;
    try {
      answer = await (await rt.query()).answer(request, output.kind === 'file' ? output.format : 'json');
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      const { classifyQueryFailure } = await import('../../actors/query/queryFailures.js');
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
function templateParams(pairs: readonly string[]): Record<string, string | number> | undefined {
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
