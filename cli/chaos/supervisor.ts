/**
 * compose's `restart: unless-stopped` for the suite's services: every long-running node that exits
 * (killed by a fault, crashed on its own) is started again and waited for until it is ready. A node
 * that cannot be brought back within MAX_RESTARTS_IN_A_ROW tries counts as the supervisor giving up.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { LocalCompose } from '../compose/localCompose.js';
import type { TraceNode } from '../processes/traceNode.js';

/** A node comes back in 1-3 s; ten failed starts in a row (its database down all along) is a wedge. */
const MAX_RESTARTS_IN_A_ROW = 10;
/** A node that fails to start waits this long before the next try (PostgreSQL restarting). */
const RETRY_DELAY_MS = 500;
/** Bounds one start's wait for readiness. */
const READY_TIMEOUT_MS = 60_000;

export class Supervisor {
  /** Restarts done, all nodes. */
  restarts = 0;
  /** Nodes it could not bring back. */
  readonly gaveUp: string[] = [];
  private stopping = false;
  private readonly starting = new Set<TraceNode>();
  private markStopped!: () => void;
  private readonly stopped = new Promise<undefined>((resolve) => (this.markStopped = () => resolve(undefined)));
  private readonly watches: Promise<void>[] = [];
  private gatewayUrl: string | undefined;

  constructor(
    private readonly compose: LocalCompose,
    private readonly log: (line: string) => void,
  ) {
    this.gatewayUrl = compose.gateway;
    for (const node of compose.readiness.keys()) this.watches.push(this.watch(node));
  }

  /** The HTTP API's base URL now (a restarted gateway listens on a new port). */
  get gateway(): string {
    if (this.gatewayUrl === undefined) throw new Error('no service runs the gateway role');
    return this.gatewayUrl;
  }

  /** Every node the supervisor keeps running, with its roles. */
  get nodes(): TraceNode[] {
    return [...this.compose.readiness.keys()];
  }

  /** Whether `node` runs and is ready (not being restarted): only then has it its signal handlers. */
  isReady(node: TraceNode): boolean {
    return node.running && !this.starting.has(node);
  }

  /** Resolves once no node is down (each restarted one ready). */
  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.nodes.some((n) => !this.isReady(n))) {
      if (Date.now() > deadline) throw new Error(`nodes still down after ${timeoutMs / 1000} s: ${this.nodes.filter((n) => !n.running).map((n) => n.name).join(', ')}`);
      await delay(RETRY_DELAY_MS / 5);
    }
  }

  /** Stops restarting; call before stopping the nodes. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.markStopped();
    await Promise.all(this.watches);
  }

  private async watch(node: TraceNode): Promise<void> {
    for (;;) {
      const status = await Promise.race([node.exited(), this.stopped]);
      if (this.stopping || status === undefined) return;
      this.starting.add(node);
      let tries = 0;
      for (;;) {
        if (this.stopping) return;
        tries += 1;
        try {
          await node.restart();
          const ready = await node.ready(READY_TIMEOUT_MS);
          if (ready.gateway !== undefined) this.gatewayUrl = ready.gateway;
          this.restarts += 1;
          this.log(`${node.name} restarted as pid ${node.pid}`);
          break;
        } catch (err) {
          if (tries >= MAX_RESTARTS_IN_A_ROW) {
            this.gaveUp.push(`${node.name}: ${(err as Error).message.split('\n')[0]}`);
            this.starting.delete(node);
            return;
          }
          await delay(RETRY_DELAY_MS);
        }
      }
      this.starting.delete(node);
    }
  }
}
