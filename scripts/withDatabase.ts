/**
 * Runs a command with DATABASE_URL pointing at a PostgreSQL that answers: DATABASE_URL if set, the
 * default URL if something listens there, else an embedded server under the Lite data directory,
 * which is stopped when the command ends. `npm test` and the benchmarks run through it, so a
 * laptop without PostgreSQL needs nothing installed by hand.
 *
 *   node dist/scripts/withDatabase.js <command> [args...]
 */
import { spawn } from 'node:child_process';
import { resolveDatabase } from '../drivers/postgres/embedded/resolveDatabase.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: withDatabase <command> [args...]\n');
  process.exit(2);
}

const database = await resolveDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.TRACE_DATA_DIR ?? '.trace-lite',
  log: (msg, fields) => process.stderr.write(`${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
});
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: database.url } });
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 128 : 1))));
await database.stop();
process.exit(code);
