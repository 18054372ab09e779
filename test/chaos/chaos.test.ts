/**
 * `trace-lite chaos` end to end, small: the CLI with two fault kinds, one injection each, on its own
 * embedded PostgreSQL and S3. The JSON line has the shape and every invariant holds; an
 * unknown kind is a usage error.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CLI_ENTRY } from '../../cli/processes/traceNode.js';
import { isAlive } from '../../drivers/postgres/embedded/processes.js';

const execFileAsync = promisify(execFile);
/** Seeding, an initdb, the undisturbed sync and two kinds' syncs of 12 blocks: ~2 minutes at load 10, 8+ at load 25. */
const RUN_TIMEOUT_MS = 15 * 60_000;
/** A SIGKILLed postmaster and its backends are gone within milliseconds. */
const POSTMASTER_GONE_MS = 10_000;
const FAULT_FIELDS = [
  'kind',
  'injections',
  'tasks_retried',
  'tasks_lost',
  'ranges_lost',
  'ranges_double_registered',
  'overlapping_versions',
  'untracked_objects',
  'stale_cold_files',
  'query_mismatch',
  'data_identical',
  'recovery_s_p50',
  'recovery_s_max',
];

interface ChaosJson {
  seed: number;
  faults: Record<string, unknown>[];
  ok: boolean;
}

test('two kinds, one injection each: the JSON line lists both, every counter 0, data identical, exit 0', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const { stdout } = await execFileAsync(process.execPath, [CLI_ENTRY, 'chaos', '--kinds', 'listen_dropped,worker_sigkill', '--injections', '1', '--blocks', '12', '--seed', '3', '--json'], {
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChaosJson;
  t.is(result.seed, 3);
  t.true(result.ok);
  t.deepEqual(
    result.faults.map((f) => f['kind']),
    ['worker_sigkill', 'listen_dropped'],
  );
  for (const fault of result.faults) {
    for (const field of FAULT_FIELDS) t.true(field in fault, `${String(fault['kind'])} has ${field}`);
    t.is(fault['injections'], 1);
    t.is(fault['data_identical'], true);
    for (const counter of ['tasks_lost', 'ranges_lost', 'ranges_double_registered', 'overlapping_versions', 'untracked_objects', 'stale_cold_files', 'query_mismatch']) t.is(fault[counter], 0, `${String(fault['kind'])} ${counter}`);
  }
});

test('an unknown kind is a usage error (exit 2) naming the known ones', async (t) => {
  const error = await t.throwsAsync(execFileAsync(process.execPath, [CLI_ENTRY, 'chaos', '--kinds', 'nope']));
  t.is((error as Error & { code?: number }).code, 2);
  t.regex((error as Error & { stderr?: string }).stderr ?? '', /unknown fault kind\(s\) nope; known: worker_sigkill,/);
});

test('a second Ctrl-C ends the suite at once and takes its PostgreSQL, which runs in a process group of its own, with it', async (t) => {
  t.timeout(RUN_TIMEOUT_MS);
  const child = spawn(process.execPath, [CLI_ENTRY, 'chaos', '--kinds', 'listen_dropped', '--injections', '1', '--blocks', '12'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const runDir = await waitFor(() => /logs under (\S+)/.exec(stderr)?.[1], 'the run directory');
  const pidFile = path.join(runDir, 'postgres', 'postgres', 'postmaster.pid');
  // postmaster.pid may be seen half written (an empty first line): only a pid counts.
  const postmaster = await waitFor(() => {
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    return pid > 0 ? pid : undefined;
  }, 'the suite’s PostgreSQL');
  child.kill('SIGINT');
  child.kill('SIGINT');
  t.is(await exited, 130);
  await waitFor(() => (isAlive(postmaster) ? undefined : true), 'the postmaster to be gone', POSTMASTER_GONE_MS);
  t.false(isAlive(postmaster));
});

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = RUN_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}
