import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
/** Runs of each command; the median is reported (the first run also pays the file cache). */
const RUNS = 3;

/** Wall seconds of one CLI run, as from a shell. */
export async function timeCli(cli: string, env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  const started = performance.now();
  await execFileAsync(process.execPath, [cli, ...args], { env });
  return (performance.now() - started) / 1000;
}

async function median(cli: string, env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeCli(cli, env, args));
  runs.sort((a, b) => a - b);
  return Math.round(runs[Math.floor(RUNS / 2)]! * 1000) / 1000;
}

/** Wall time of the commands a user types most, each a fresh process as from a shell. */
export async function timeCommands(cli: string, env: NodeJS.ProcessEnv): Promise<{ cli_help_s: number; cli_status_s: number; cli_submit_s: number }> {
  return {
    cli_help_s: await median(cli, env, ['--help']),
    cli_status_s: await median(cli, env, ['status']),
    cli_submit_s: await median(cli, env, ['task', 'submit', '--operator', 'noop']),
  };
}
