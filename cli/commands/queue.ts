import { Option, type Command } from 'commander';
import { print, printJson } from '../output.js';
import { TASK_QUEUE } from '../../actors/state/tasks/taskTypes.js';
import { withSession } from '../session.js';

export function registerQueue(program: Command): void {
  const queue = program.command('queue').description('the wake-up queue');
  queue
    .command('dead')
    .description('list dead letters')
    .addOption(new Option('--queue <name>', 'queue').default(TASK_QUEUE))
    .action((opts: { queue: string }) => withSession(async ({ rt }) => printJson(await rt.queue.deadLetters(opts.queue))));
  queue
    .command('redrive')
    .description('move dead letters back into the live queue')
    .addOption(new Option('--queue <name>', 'queue').default(TASK_QUEUE))
    .action((opts: { queue: string }) => withSession(async ({ rt }) => print(`redriven ${await rt.queue.redrive(opts.queue)}`)));
}
