import type { Receipt } from '../../drivers/queue/queueDriver.js';
import type { Fence, LeaseLostError } from '../state/tasks/taskTypes.js';

/** Why an attempt is stopped: the refusal that showed its lease is lost, or the process shutting down. */
export type AbortReason = LeaseLostError | 'shutdown';

export interface RunningAttempt {
  fence: Fence;
  receipt: Receipt;
  controller: AbortController;
  startedAt: number;
}

/** The attempts this process runs now; the worker adds and removes, the heartbeat renews them. */
export class RunningAttempts {
  private readonly attempts = new Map<string, RunningAttempt>();

  add(attempt: RunningAttempt): void {
    this.attempts.set(attempt.fence.leaseToken, attempt);
  }

  remove(attempt: RunningAttempt): void {
    this.attempts.delete(attempt.fence.leaseToken);
  }

  /** Whether the attempt holding this lease token runs here. */
  has(leaseToken: string): boolean {
    return this.attempts.has(leaseToken);
  }

  list(): RunningAttempt[] {
    return [...this.attempts.values()];
  }

  get size(): number {
    return this.attempts.size;
  }

  abort(attempt: RunningAttempt, reason: AbortReason): void {
    attempt.controller.abort(reason);
  }
}
