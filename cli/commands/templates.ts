import type { Command } from 'commander';
import type { TemplateInfo } from '../../actors/query/queryTypes.js';
import { print } from '../output.js';
import { withSession } from '../session.js';

export function registerTemplates(program: Command): void {
  program
    .command('templates')
    .description('the stored query templates with their parameters and result columns')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withSession(async ({ rt }) => {
        const templates = (await rt.query()).templates();
        print(opts.json ? JSON.stringify(templates, null, 2) : formatTemplates(templates));
      }),
    );
}

/** Each stored template with its parameters (as `--param` takes them) and columns. */
function formatTemplates(templates: readonly TemplateInfo[]): string {
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
