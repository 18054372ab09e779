import type { Command } from 'commander';
import { print } from '../output.js';
import { withSession } from '../session.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending migrations and exit')
    .action(() => withSession(async ({ rt }) => print(`migrated ${rt.schemas.state}, ${rt.schemas.data}`)));
}
