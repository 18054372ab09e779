import type { Command } from 'commander';
import { parseRoles, ROLES } from '../../actors/node/roles.js';
import { openSession } from '../session.js';

/**
 * A node started beside its database (compose starts every service at once) or while it restarts
 * waits this long for it: crash recovery of a busy cluster took up to ~20 s under the chaos suite's
 * back-to-back PostgreSQL kills, when ten quick exits in a row made its supervisor give up.
 */
const DATABASE_WAIT_MS = 60_000;

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run the actors of this process until SIGTERM/SIGINT')
    .option('--roles <roles>', `comma-separated subset of ${ROLES.join(',')}`, ROLES.join(','))
    .action(async (opts: { roles: string }) => {
      process.exitCode = await up(opts.roles);
    });
}

/**
 * `trace-lite up`: runs the chosen actors until SIGTERM/SIGINT, then stops gracefully (stop taking
 * work, let running attempts finish within the shutdown grace or hand them back, close pools and
 * connections) and exits 0. A second signal exits at once; an actor that exhausts its crash budget
 * exits 1.
 */
async function up(roleList: string): Promise<number> {
  const { buildSupervisor } = await import('../../actors/node/node.js');
  const roles = parseRoles(roleList);
  const session = await openSession({ serveStore: true, waitForDatabaseMs: DATABASE_WAIT_MS });
  const { rt, log } = session;
  const supervisor = buildSupervisor(rt, roles);
  let signalled: NodeJS.Signals | undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        log.error({ signal }, 'second signal; exiting without waiting');
        process.exit(130);
      }
      signalled = signal;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await supervisor.start();
  // The store opens now, not on first use: other tools and commands reach it on its endpoint while the node runs.
  const { endpoint: store } = await rt.objects.opened();
  log.info({ roles, workerId: rt.workerId, schemas: rt.schemas, embeddedPostgres: session.database.embedded, store }, 'trace-lite is up');
  const outcome = await Promise.race([stopped.then((signal) => ({ signal })), supervisor.done.then(() => ({}), (error: Error) => ({ error }))]);
  if ('signal' in outcome) {
    log.info({ signal: outcome.signal, running: rt.running.size }, 'shutting down');
    await supervisor.stop();
  }
  await session.close();
  if ('error' in outcome) {
    log.fatal({ err: outcome.error }, 'giving up');
    return 1;
  }
  log.info('stopped cleanly');
  return 0;
}
