import type { Supervisable } from './actor.js';
import type { Logger } from './logger.js';

export interface ChildSpec {
  name: string;
  /** Makes a fresh instance; called at start and after every crash. */
  create: () => Supervisable;
}

export interface SupervisorOptions {
  log: Logger;
  /** Crashes of one child tolerated within `crashWindowMs`; one more escalates. */
  maxRestarts?: number;
  crashWindowMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export class CrashBudgetExceededError extends Error {
  override name = 'CrashBudgetExceededError';
}

interface Child {
  spec: ChildSpec;
  actor: Supervisable | undefined;
  crashes: number[];
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * One-for-one supervisor: children start in order and stop in reverse order; a crashed child is
 * restarted alone after an exponential backoff, and a child that crashes more than `maxRestarts`
 * times within the window makes the supervisor give up: it stops everything and rejects `done`.
 */
export class Supervisor {
  private readonly children: Child[] = [];
  private readonly log: Logger;
  private readonly maxRestarts: number;
  private readonly crashWindowMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private stopping = false;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** Resolves after stop(); rejects with CrashBudgetExceededError when a child exhausts its budget. */
  readonly done: Promise<void>;

  constructor(options: SupervisorOptions) {
    this.log = options.log;
    this.maxRestarts = options.maxRestarts ?? 5;
    this.crashWindowMs = options.crashWindowMs ?? 60_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 200;
    this.backoffMaxMs = options.backoffMaxMs ?? 10_000;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined);
  }

  add(spec: ChildSpec): this {
    this.children.push({ spec, actor: undefined, crashes: [], restartTimer: undefined });
    return this;
  }

  /** The live instance of a child, for tests and status. */
  actor(name: string): Supervisable | undefined {
    return this.children.find((c) => c.spec.name === name)?.actor;
  }

  async start(): Promise<void> {
    for (const child of this.children) await this.startChild(child);
  }

  private async startChild(child: Child): Promise<void> {
    const actor = child.spec.create();
    child.actor = actor;
    try {
      await actor.start((crashed, error) => this.onCrash(child, crashed, error));
    } catch (err) {
      this.onCrash(child, actor, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onCrash(child: Child, actor: Supervisable, error: Error): void {
    if (this.stopping || child.actor !== actor) return;
    const now = Date.now();
    child.crashes = [...child.crashes.filter((t) => now - t < this.crashWindowMs), now];
    void actor.stop();
    child.actor = undefined;
    if (child.crashes.length > this.maxRestarts) {
      this.log.fatal(
        { err: error, actor: child.spec.name, crashes: child.crashes.length, windowMs: this.crashWindowMs },
        `actor ${child.spec.name} crashed ${child.crashes.length} times within ${this.crashWindowMs} ms; giving up`,
      );
      const escalation = new CrashBudgetExceededError(
        `actor ${child.spec.name} exceeded its crash budget (${this.maxRestarts} restarts in ${this.crashWindowMs} ms): ${error.message}`,
      );
      void this.stopChildren().then(() => this.settle.reject(escalation));
      return;
    }
    const delay = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (child.crashes.length - 1));
    this.log.error({ err: error, actor: child.spec.name, restartInMs: delay }, `actor ${child.spec.name} crashed; restarting`);
    child.restartTimer = setTimeout(() => {
      child.restartTimer = undefined;
      if (!this.stopping) void this.startChild(child);
    }, delay);
  }

  private async stopChildren(): Promise<void> {
    this.stopping = true;
    for (const child of [...this.children].reverse()) {
      if (child.restartTimer) clearTimeout(child.restartTimer);
      const actor = child.actor;
      child.actor = undefined;
      await actor?.stop();
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.done.catch(() => undefined);
    await this.stopChildren();
    this.settle.resolve();
  }
}
