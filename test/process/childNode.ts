import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import type { TestInstallation } from '../helpers/installation.js';

/** The compiled CLI, run as a real child process. */
export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface ChildNode {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** Environment that points a child process at a test installation. */
export function childEnv(inst: TestInstallation, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { config } = inst;
  return {
    ...process.env,
    DATABASE_URL: inst.url,
    TRACE_SCHEMA_PREFIX: inst.prefix,
    TRACE_LEASE_TTL_SECONDS: String(config.leaseTtlSeconds),
    TRACE_HEARTBEAT_SECONDS: String(config.heartbeatSeconds),
    TRACE_RETRY_BASE_SECONDS: String(config.retryBaseSeconds),
    TRACE_LOG_LEVEL: 'info',
    // `up` runs the gateway; children bind a free port, never 8787 (test files run in parallel).
    TRACE_HTTP_PORT: String(config.httpPort),
    TRACE_S3_PORT: String(config.s3Port),
    ...extra,
  };
}

/** Starts `trace-lite up` in a child process; it is killed at teardown if still alive. */
export function spawnNode(t: ExecutionContext, inst: TestInstallation, args: string[] = [], extra: Record<string, string> = {}): ChildNode {
  const child = spawn(process.execPath, [CLI, 'up', ...args], { env: childEnv(inst, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, exited, output: () => output };
}

const execFileAsync = promisify(execFile);

/** Runs one CLI command to its end: exit code and output. */
export async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
