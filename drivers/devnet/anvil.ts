/**
 * anvil as a child process on loopback: resolves the platform binary from npm, starts it, resolves
 * once the JSON-RPC endpoint answers, and stops it (SIGTERM, then SIGKILL) and removes its cache dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants as fsConstants } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestClient, http } from 'viem';

export interface AnvilOptions {
  /** Loopback port; 0 or omitted lets anvil bind a free one (no race with other processes). */
  port?: number;
  chainId: number;
  /** anvil `--init` file (genesis with alloc). */
  genesisPath: string;
  /** Where anvil writes block states it moves out of memory; removed on stop. */
  cachePath: string;
  /** Upper bound on the block states anvil keeps on disk. */
  maxPersistedStates: number;
  blockGasLimit: bigint;
  baseFee: bigint;
  readyTimeoutMs?: number;
}

export interface AnvilNode {
  rpcUrl: string;
  port: number;
  pid: number;
  /** Resolves when the process ends, for whatever reason. */
  exited: Promise<void>;
  /** SIGTERM, SIGKILL after `timeoutMs`, then removes the cache dir. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

/** `@foundry-rs/anvil-<platform>-<arch>` (npm's x64 is foundry's amd64), without its downloading postinstall. */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  let binary: string;
  try {
    binary = createRequire(import.meta.url).resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(`anvil binary not found: npm package ${pkg} is not installed (an optional dependency of @foundry-rs/anvil)`);
  }
  try {
    accessSync(binary, fsConstants.X_OK);
  } catch {
    // npm tarballs do not always keep the executable bit.
    chmodSync(binary, 0o755);
  }
  return binary;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/** Lines of anvil output kept for error messages. */
const OUTPUT_LINES = 40;
const LISTENING = /Listening on 127\.0\.0\.1:(\d+)/;

export async function startAnvil(options: AnvilOptions): Promise<AnvilNode> {
  const args = [
    '--host', '127.0.0.1',
    '--port', String(options.port ?? 0),
    '--chain-id', String(options.chainId),
    '--init', options.genesisPath,
    // No mnemonic dev accounts: every starting balance comes from the genesis alloc.
    '--accounts', '0',
    '--disable-default-create2-deployer',
    '--hardfork', 'prague',
    '--gas-limit', String(options.blockGasLimit),
    '--base-fee', String(options.baseFee),
    // Blocks are mined on request (evm_mine) after a batch of sends; fifo keeps the send order.
    '--no-mining',
    '--order', 'fifo',
    '--cache-path', options.cachePath,
    '--max-persisted-states', String(options.maxPersistedStates),
  ];
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let onLine: ((line: string) => void) | undefined;
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      output.push(line);
      onLine?.(line);
    }
    output.splice(0, Math.max(0, output.length - OUTPUT_LINES));
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  // 'error' covers a binary that cannot be spawned, which never emits 'exit'.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      collect(Buffer.from(String(err)));
      resolve();
    });
  });
  // A parent that ends without stop() must not leave anvil running.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (timeoutMs = STOP_TIMEOUT_MS): Promise<void> =>
    (stopped ??= (async () => {
      process.off('exit', killOnExit);
      await terminate(child, exited, timeoutMs);
      await rm(options.cachePath, { recursive: true, force: true });
    })());

  try {
    // anvil prints the port it bound (needed with --port 0) only while logging is on; logging is
    // turned off over RPC once it answers, so per-request log lines cost nothing afterwards.
    const listening = new Promise<number>((resolve) => {
      onLine = (line) => {
        const port = LISTENING.exec(line)?.[1];
        if (port) resolve(Number(port));
      };
    });
    const port = await ready(listening, child, exited, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    onLine = undefined;
    const rpcUrl = `http://127.0.0.1:${port}`;
    const client = createTestClient({ mode: 'anvil', transport: http(rpcUrl, { retryCount: 3 }) });
    await client.setLoggingEnabled(false);
    return { rpcUrl, port, pid: child.pid!, exited, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nanvil ${args.join(' ')}\n${output.join('\n')}`);
  }
}

async function ready(listening: Promise<number>, child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<number> {
  const timer = new AbortController();
  const outcome = await Promise.race([
    listening,
    exited.then(() => 'exited' as const),
    sleep(timeoutMs, 'timeout' as const, { signal: timer.signal }).catch(() => 'timeout' as const),
  ]).finally(() => timer.abort());
  if (outcome === 'exited') throw new Error(`anvil exited (code ${child.exitCode}, signal ${child.signalCode}) before listening`);
  if (outcome === 'timeout') throw new Error(`anvil did not start listening within ${timeoutMs} ms`);
  return outcome;
}

async function terminate(child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
