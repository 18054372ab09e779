import type { Command } from 'commander';
import { print } from '../output.js';
import { withSession } from '../session.js';

export function registerOutboxUnpark(program: Command): void {
  program
    .command('outbox-unpark')
    .description('return parked outbox rows to the publisher')
    .action(() =>
      withSession(async ({ rt }) => {
        const { outboxStore } = await import('../../actors/state/outbox/outboxStore.js');
        print(`unparked ${await outboxStore.unpark(rt.db)}`);
      }),
    );
}
