import type { Command } from 'commander';
import { print } from '../output.js';
import { withSession } from '../session.js';

/** `pause <job>` and `resume <job>`: one command each, setting the job's status. */
export function registerPauseResume(program: Command): void {
  for (const [command, status] of [
    ['pause', 'paused'],
    ['resume', 'active'],
  ] as const) {
    program
      .command(`${command} <job>`)
      .description(`${command} a chain_sync job (by id or name)`)
      .action((job: string) =>
        withSession(async ({ rt }) => {
          await rt.syncJobs.setStatus(job, status);
          print(`${job} ${status}`);
        }),
      );
  }
}
