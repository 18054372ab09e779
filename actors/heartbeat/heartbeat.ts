import { ReceiptRefusedError } from '../../drivers/queue/queueDriver.js';
import { Actor } from '../../runtime/actor.js';
import { failpoint } from '../../runtime/failpoints.js';
import type { Runtime } from '../node/context.js';
import { LeaseLostError } from '../state/tasks/taskTypes.js';
import type { RunningAttempt } from '../worker/runningAttempts.js';

/**
 * Renews the lease and the queue visibility of every attempt this process runs. A refused lease
 * renewal means the lease lapsed or another attempt owns the task now: the running attempt is
 * aborted at once.
 */
export class HeartbeatActor extends Actor<never> {
  constructor(private readonly rt: Runtime) {
    super('heartbeat', rt.log.child({ actor: 'heartbeat' }));
  }

  protected override async onStart(): Promise<void> {
    this.every(this.rt.config.heartbeatSeconds * 1000, async () => {
      await Promise.all(this.rt.running.list().map((attempt) => this.renew(attempt)));
    });
  }

  private async renew(attempt: RunningAttempt): Promise<void> {
    const { tasks, queue, config, running } = this.rt;
    try {
      await failpoint('heartbeat.beforeRenew', { taskId: attempt.fence.taskId, attempt: attempt.fence.attempt });
      await tasks.attempts.heartbeat(attempt.fence, config.leaseTtlSeconds);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        // The worker reports the loss once the operator has stopped.
        running.abort(attempt, err);
        return;
      }
      // Postgres unreachable: keep running and retry next beat; if it stays away the lease lapses
      // and the next heartbeat after it returns is refused.
      this.log.warn({ err, task: attempt.fence.taskId }, 'heartbeat failed');
      return;
    }
    await queue.extendVisibility(attempt.receipt, config.visibilitySeconds).catch((err: unknown) => {
      if (!(err instanceof ReceiptRefusedError)) this.log.warn({ err, task: attempt.fence.taskId }, 'visibility extension failed');
    });
  }
}
