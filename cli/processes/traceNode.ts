/**
 * A trace-lite CLI process on top of ManagedProcess: a role-split node (`up --roles …`) or a
 * one-shot command (`migrate`). A node is ready when its JSON log says `trace-lite is up`; one that
 * serves HTTP (the gateway role) also when GET /readyz answers 200 on the port it logged.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseRoles, ROLES, type Role } from '../../actors/node/roles.js';
import { describeExit, ManagedProcess } from './managedProcess.js';

/**
 * The compiled CLI this module belongs to: what `node dist/cli/main.js` runs. A program to start in
 * another process, not a module loaded here, so it is named by path (the CLI's own `harness`
 * command starts it; a module URL would read as an import cycle).
 */
export const CLI_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');

/** How often /readyz is asked while a gateway warms up. */
const READY_POLL_MS = 100;

export interface TraceNodeOptions {
  name: string;
  /** CLI arguments: `['up', '--roles', 'worker,heartbeat,sink']`, `['migrate']`. */
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Working directory (relative data and report directories resolve here); the log is `<dir>.log`. */
  dir: string;
}

export interface NodeReady {
  /** The node's worker id (`host:pid:tag`), as leases and attempts record it. */
  workerId: string;
  /** http://127.0.0.1:<port> when the node serves the HTTP API. */
  gateway: string | undefined;
}

interface LogRecord {
  msg?: unknown;
  [field: string]: unknown;
}

/** The pino record on this line whose message is `msg`, if it is one. */
function recordWith(msg: string): (line: string) => LogRecord | undefined {
  return (line) => {
    if (!line.startsWith('{')) return undefined;
    try {
      const record = JSON.parse(line) as LogRecord;
      return record.msg === msg ? record : undefined;
    } catch {
      return undefined;
    }
  };
}

export class TraceNode extends ManagedProcess {
  /** The roles of an `up` node (all when --roles is absent); none for other commands. */
  readonly roles: readonly Role[];

  constructor(options: TraceNodeOptions) {
    super({
      name: options.name,
      command: process.execPath,
      args: [CLI_ENTRY, ...options.args],
      env: options.env,
      cwd: options.dir,
      logFile: `${options.dir}.log`,
    });
    const [command, ...rest] = options.args;
    const rolesAt = rest.indexOf('--roles');
    this.roles = command !== 'up' ? [] : rolesAt < 0 ? ROLES : parseRoles(rest[rolesAt + 1] ?? '');
  }

  /** Waits until the node runs its actors (and, with the gateway role, answers /readyz). */
  async ready(timeoutMs: number): Promise<NodeReady> {
    const deadline = Date.now() + timeoutMs;
    const up = await this.waitForLine(recordWith('trace-lite is up'), timeoutMs, '`trace-lite is up` log line (logs at info level?)');
    if (typeof up.workerId !== 'string') throw this.failure('its `trace-lite is up` record names no workerId');
    if (!this.roles.includes('gateway')) return { workerId: up.workerId, gateway: undefined };
    const serving = await this.waitForLine(recordWith('gateway serving'), Math.max(0, deadline - Date.now()), '`gateway serving` log line');
    const gateway = `http://127.0.0.1:${Number(serving.port)}`;
    for (;;) {
      const answer = await fetch(`${gateway}/readyz`).catch(() => undefined);
      if (answer?.status === 200) return { workerId: up.workerId, gateway };
      if (!this.running) throw this.failure(`exited (${describeExit(await this.exited())}) before /readyz answered`);
      if (Date.now() > deadline) throw this.failure(`GET ${gateway}/readyz: still ${answer?.status ?? 'unreachable'} after ${timeoutMs / 1000} s`);
      await delay(READY_POLL_MS);
    }
  }

  /** Waits for a one-shot command to end; throws unless it exited 0. */
  async completed(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const status = await Promise.race([
      this.exited(),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (status === undefined) throw this.failure(`did not finish within ${timeoutMs / 1000} s`);
    if (status.code !== 0) throw this.failure(`failed (${describeExit(status)})`);
  }
}
