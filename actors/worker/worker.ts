import type { Delivery, Receipt } from '../../drivers/queue/queueDriver.js';
import type { Runtime } from '../node/context.js';
import { LeaseLostError, TASK_QUEUE, type ClaimedTask, type JsonValue } from '../state/tasks/taskTypes.js';
import { AttemptOutputs } from './attemptOutputs.js';
import { DeliveryActor } from '../consumer/deliveryActor.js';
import type { AbortReason, RunningAttempt } from './runningAttempts.js';
import { failpoint } from '../../runtime/failpoints.js';

/**
 * Runs tasks: for each wake-up it claims the task (queued → running under a fresh lease), runs
 * its operator, and completes or fails it fenced by (task_id, attempt, lease_token), then acks the
 * wake-up. A claim that loses acks and drops the wake-up without running anything. On stop it
 * gives running attempts the shutdown grace to finish, then aborts and hands the rest back.
 */
export class WorkerActor extends DeliveryActor {
  constructor(rt: Runtime) {
    super('worker', rt, TASK_QUEUE, rt.config.workerConcurrency, rt.log.child({ actor: 'worker' }));
  }

  protected async handle(delivery: Delivery): Promise<void> {
    const taskId = typeof delivery.payload.task_id === 'string' ? delivery.payload.task_id : undefined;
    try {
      if (taskId === undefined || !/^\d+$/.test(taskId)) {
        this.log.error({ payload: delivery.payload }, 'wake-up without a task id; dropping it');
        return await this.ack(delivery.receipt);
      }
      const claimed = await this.rt.tasks.attempts.claim(taskId, this.rt.workerId, this.rt.config.leaseTtlSeconds);
      if (claimed) await this.runAttempt(claimed, delivery.receipt);
      else this.log.debug({ task: taskId }, 'claim lost; dropping wake-up');
      await this.ack(delivery.receipt);
    } catch (err) {
      // Postgres unreachable mid-claim or mid-completion: the wake-up comes back after its
      // visibility timeout, and an attempt left running is reaped when its lease lapses.
      this.log.warn({ err, task: taskId }, 'wake-up handling failed; leaving it to redeliver');
    }
  }

  private async runAttempt(task: ClaimedTask, receipt: Receipt): Promise<void> {
    const attempt: RunningAttempt = { fence: task, receipt, controller: new AbortController(), startedAt: Date.now() };
    const log = this.log.child({ task: task.taskId, attempt: task.attempt, operator: task.operator });
    this.rt.running.add(attempt);
    try {
      const result = await this.runOperator(task, attempt.controller.signal, log);
      await failpoint('worker.beforeSucceed', { taskId: task.taskId, attempt: task.attempt });
      await this.rt.tasks.attempts.succeed(task, result);
      log.info({ ms: Date.now() - attempt.startedAt }, 'task succeeded');
    } catch (err) {
      await this.settleFailure(task, attempt.controller.signal, err, log);
    } finally {
      this.rt.running.remove(attempt);
    }
  }

  /** Runs the operator until it settles or the attempt is aborted, whichever comes first. */
  private async runOperator(task: ClaimedTask, signal: AbortSignal, log: typeof this.log): Promise<JsonValue | undefined> {
    const operator = this.rt.operators.get(task.operator);
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new Error(`attempt aborted: ${String(signal.reason)}`));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    const outputs = new AttemptOutputs(this.rt, task);
    return Promise.race([operator({ task, params: task.params, signal, threads: this.rt.threads, log, outputs, query: this.rt.query }), aborted]);
  }

  private async settleFailure(task: ClaimedTask, signal: AbortSignal, err: unknown, log: typeof this.log): Promise<void> {
    const reason = signal.aborted ? (signal.reason as AbortReason) : undefined;
    try {
      if (reason === 'lease-lost') {
        log.warn('attempt aborted: its lease was lost; another attempt owns the task');
      } else if (reason === 'shutdown') {
        await this.rt.tasks.attempts.handBack(task);
        log.info('attempt handed back on shutdown');
      } else if (err instanceof LeaseLostError) {
        log.warn({ err: err.message }, 'completion refused: stale attempt');
      } else {
        const message = err instanceof Error ? err.message : String(err);
        const { terminal } = await this.rt.tasks.attempts.fail(task, message);
        log.warn({ error: message, terminal }, terminal ? 'task failed terminally' : 'task failed; retry scheduled');
      }
    } catch (settleErr) {
      if (settleErr instanceof LeaseLostError) log.warn({ err: settleErr.message }, 'failure report refused: stale attempt');
      else throw settleErr;
    }
  }

  protected override async beforeDrain(): Promise<void> {
    await super.beforeDrain();
    const deadline = Date.now() + this.rt.config.shutdownGraceSeconds * 1000;
    while (this.rt.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const attempt of this.rt.running.list()) this.rt.running.abort(attempt, 'shutdown');
  }
}
