/**
 * One OS process that a harness, a benchmark or a fault-injection suite starts and controls: its
 * own command, environment and working directory; every output line appended to a log file (all
 * incarnations, each under a header) and the latest kept in memory for readiness checks and error
 * messages; SIGKILL, SIGTERM with a grace period, and restart with the same spec.
 *
 * Children run in their own process group, so a Ctrl-C at the terminal reaches only the parent,
 * which stops them in order (ProcessGroup); nothing here can outlive a parent that is SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { killOnInterruptedExit } from './interrupt.js';

export interface ProcessSpec {
  /** Names the process in logs and errors (a compose service name, "worker-2"). */
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Working directory; created if missing. */
  cwd: string;
  /** Every incarnation's stdout and stderr are appended here. */
  logFile: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Lines kept in memory: enough for the startup and the last errors of a node's JSON log. */
const KEPT_LINES = 400;
/** Lines quoted in an error about the process. */
const QUOTED_LINES = 15;

/** A managed process that exited, timed out or misbehaved; the message quotes its last output. */
export class ProcessError extends Error {
  override name = 'ProcessError';
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private exitStatus: ExitStatus | undefined;
  private readonly lines: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private incarnations = 0;

  constructor(readonly spec: ProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** The current incarnation's pid (undefined before the first start). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitStatus === undefined;
  }

  /** How often it was started (1 after start(), 2 after one restart, …). */
  get starts(): number {
    return this.incarnations;
  }

  /** Spawns the process (in its working directory, created if missing); resolves once the OS started it. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    await mkdir(this.spec.cwd, { recursive: true });
    this.incarnations += 1;
    const log = createWriteStream(this.spec.logFile, { flags: 'a' });
    log.write(`=== ${this.name} start ${this.incarnations}: ${this.spec.command} ${this.spec.args.join(' ')} (${new Date().toISOString()})\n`);
    const child = spawn(this.spec.command, [...this.spec.args], {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.exitStatus = undefined;
    this.lines.length = 0; // what waitForLine looks back on is this incarnation's output
    this.exit = this.collect(child, log);
    // Detached, a process group of its own that a terminal's Ctrl-C does not reach: an interrupted exit
    // that skipped the cleanups (a second Ctrl-C) kills the group here, or it would run on, orphaned.
    const forget = killOnInterruptedExit(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    });
    void this.exit.finally(forget);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new Error(`${this.name}: could not start ${this.spec.command}: ${err.message}`));
      child.once('error', onError).once('spawn', () => {
        child.off('error', onError);
        resolve();
      });
    });
  }

  /** Resolves when the current incarnation has exited. */
  exited(): Promise<ExitStatus> {
    return this.exit;
  }

  /** Sends a signal to the current incarnation; false when it is not running. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    return this.child!.kill(signal);
  }

  /** SIGKILL, as a crash would end it; resolves once it is gone. */
  async kill(): Promise<ExitStatus> {
    this.signal('SIGKILL');
    return this.exit;
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  async stop(graceMs: number): Promise<ExitStatus> {
    if (!this.signal('SIGTERM')) return this.exit;
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts a new incarnation with the same spec, once the current one has exited. */
  async restart(): Promise<void> {
    await this.exit;
    await this.start();
  }

  /**
   * Resolves with the first output line of this incarnation (kept, or still to come) that `match` accepts; rejects
   * if the process exits first or after `timeoutMs`, quoting its last lines.
   */
  async waitForLine<T>(match: (line: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    for (const line of this.lines) {
      const found = match(line);
      if (found !== undefined) return found;
    }
    let listener: ((line: string) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        listener = (line) => {
          const found = match(line);
          if (found !== undefined) resolve(found);
        };
        this.lineListeners.add(listener);
        timer = setTimeout(() => reject(this.failure(`no ${what} within ${timeoutMs / 1000} s`)), timeoutMs);
        void this.exit.then((status) => reject(this.failure(`exited (${describeExit(status)}) before ${what}`)));
      });
    } finally {
      if (listener) this.lineListeners.delete(listener);
      clearTimeout(timer);
    }
  }

  /** An error about this process that quotes its last output lines and names its log file. */
  failure(message: string): ProcessError {
    const tail = this.lines.slice(-QUOTED_LINES).map((line) => `    ${line}`).join('\n');
    return new ProcessError(`${this.name} (pid ${this.pid ?? '-'}): ${message}; log ${this.spec.logFile}${tail ? `, last lines:\n${tail}` : ''}`);
  }

  /** Copies output to the log file and the kept lines; resolves with the exit status once both streams ended. */
  private async collect(child: ChildProcess, log: WriteStream): Promise<ExitStatus> {
    const streams = [child.stdout!, child.stderr!].map(async (stream) => {
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        log.write(`${line}\n`);
        this.lines.push(line);
        if (this.lines.length > KEPT_LINES) this.lines.shift();
        for (const listener of this.lineListeners) listener(line);
      }
    });
    const status = await new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // A process that never started emits 'error' and no 'exit'.
      child.on('error', () => child.pid === undefined && resolve({ code: null, signal: null }));
    });
    await Promise.all(streams);
    log.end(`=== ${this.name} exited: ${describeExit(status)} (${new Date().toISOString()})\n`);
    await once(log, 'finish');
    this.exitStatus = status;
    return status;
  }
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}
