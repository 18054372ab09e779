import type { Receipt } from '../../drivers/queue/queueDriver.js';
import type { Fence } from '../state/tasks/taskTypes.js';

export type AbortReason = 'lease-lost' | 'shutdown';

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
