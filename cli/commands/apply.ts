import type { Command } from 'commander';
import { print } from '../output.js';
import { withSession } from '../session.js';
import { readUserFile } from '../userInput.js';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('create or update a chain_sync job from YAML (idempotent by name); prints the job id')
    .requiredOption('--file <path>', 'job file')
    .action((opts: { file: string }) =>
      withSession(async ({ rt }) => {
        const { parseSyncJobSpec } = await import('../../actors/state/syncJobSpec.js');
        const spec = parseSyncJobSpec(await readUserFile(opts.file), opts.file);
        const { jobId, created } = await rt.syncJobs.apply(spec);
        print(jobId);
        process.stderr.write(`${created ? 'created' : 'applied'} chain_sync job ${spec.name}\n`);
      }),
    );
}
