import type { Delivery, Receipt } from '../../drivers/queue/queueDriver.js';
import type { Runtime } from '../node/context.js';
import { LeaseLostError, TASK_QUEUE, type ClaimedTask, type JsonValue } from '../state/tasks/taskTypes.js';
import { AttemptOutputs } from './attemptOutputs.js';
import { DeliveryActor } from '../consumer/deliveryActor.js';
import type { RunningAttempt } from './runningAttempts.js';
import { failpoint } from '../../runtime/failpoints.js';
import { sleep } from '../../runtime/waiting.js';
import { dispatchChannel } from '../state/dispatchEvents.js';

/** A failed claim is retried 100 ms, 200 ms, … (at most 1 s) apart: a lost reply is usually a dropped connection… */
const CLAIM_RETRY_BASE_MS = 100;
const CLAIM_RETRY_MAX_MS = 1_000;
/** …for a quarter of the lease, so a claim that did commit is retried well before its lease lapses. */
const CLAIM_RETRY_LEASE_SHARE = 0.25;

/**
 * Runs tasks: for each wake-up it claims the task (queued → running under a fresh lease), runs
 * its operator, and completes or fails it fenced by (task_id, attempt, lease_token), then acks the
 * wake-up. A claim that loses acks and drops the wake-up without running anything. An attempt
 * whose lease is lost (a refused heartbeat, commit or completion) is stopped and reported. On stop
 * it gives running attempts the shutdown grace to finish, then aborts and hands the rest back.
 */
export class WorkerActor extends DeliveryActor {
  constructor(rt: Runtime) {
    super('worker', rt, TASK_QUEUE, rt.config.workerConcurrency, rt.log.child({ actor: 'worker' }));
  }

  /**
   * A `plan` event (a chain_sync job applied or resumed, a range read) warms the pool's threads
   * for ingest while the planner plans, so ranges find them ready instead of each cold thread's
   * first jobs waiting 1–2 s for its modules (bench/ingest). Idle threads still exit after their
   * idle timeout, so an idle node holds none.
   */
  protected override async onStart(): Promise<void> {
    await super.onStart();
    const unsubscribe = await this.rt.listener.subscribe(dispatchChannel(this.rt.schemas), (event) => {
      if (event !== 'plan') return;
      this.rt.threads.warm('warmIngest', undefined).catch((err: unknown) => this.log.warn({ err }, 'warming the pool threads for ingest failed'));
    });
    this.stopSignal.addEventListener('abort', unsubscribe, { once: true });
  }

  protected async handle(delivery: Delivery): Promise<void> {
    const taskId = typeof delivery.payload.task_id === 'string' ? delivery.payload.task_id : undefined;
    try {
      if (taskId === undefined || !/^\d+$/.test(taskId)) {
        this.log.error({ payload: delivery.payload }, 'wake-up without a task id; dropping it');
        return await this.ack(delivery.receipt);
      }
      const claimed = await this.claim(taskId, delivery.receipt);
      if (!claimed) this.log.debug({ task: taskId }, 'claim lost; dropping wake-up');
      else if (this.rt.running.has(claimed.leaseToken)) this.log.debug({ task: taskId }, 'wake-up redelivered while its attempt runs here; dropping it');
      else await this.runAttempt(claimed, delivery.receipt);
      await this.ack(delivery.receipt);
    } catch (err) {
      // Postgres unreachable mid-claim or mid-completion: the wake-up comes back after its
      // visibility timeout, and an attempt left running is reaped when its lease lapses.
      this.log.warn({ err, task: taskId }, 'wake-up handling failed; leaving it to redeliver');
    }
  }

  /**
   * Claims the task for this wake-up. A claim that failed may have committed with its reply lost:
   * it is retried, and a retry by this worker for the same message gets that attempt back while
   * its lease is held, so a lost reply costs no attempt.
   */
  private async claim(taskId: string, receipt: Receipt): Promise<ClaimedTask | undefined> {
    const { tasks, workerId, config } = this.rt;
    const giveUpAt = Date.now() + config.leaseTtlSeconds * 1000 * CLAIM_RETRY_LEASE_SHARE;
    for (let retry = 0; ; retry++) {
      try {
        return await tasks.attempts.claim(taskId, workerId, config.leaseTtlSeconds, receipt.messageId);
      } catch (err) {
        const backoffMs = Math.min(CLAIM_RETRY_MAX_MS, CLAIM_RETRY_BASE_MS * 2 ** retry);
        if (Date.now() + backoffMs > giveUpAt) throw err;
        this.log.warn({ err, task: taskId, backoffMs }, 'claim failed; retrying it for the same wake-up');
        await sleep(backoffMs, this.stopSignal);
      }
    }
  }

  private async runAttempt(task: ClaimedTask, receipt: Receipt): Promise<void> {
    const attempt: RunningAttempt = { fence: task, receipt, controller: new AbortController(), startedAt: Date.now() };
    const log = this.log.child({ task: task.taskId, attempt: task.attempt, operator: task.operator });
    this.rt.running.add(attempt);
    try {
      const outputs = new AttemptOutputs(this.rt, task, (lost) => this.rt.running.abort(attempt, lost));
      const result = await this.runOperator(task, outputs, attempt.controller.signal, log);
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
  private async runOperator(task: ClaimedTask, outputs: AttemptOutputs, signal: AbortSignal, log: typeof this.log): Promise<JsonValue | undefined> {
    const operator = this.rt.operators.get(task.operator);
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new Error(`attempt aborted: ${String(signal.reason)}`));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    return Promise.race([operator({ task, params: task.params, signal, threads: this.rt.threads, log, outputs, registry: this.rt.registry, query: this.rt.query }), aborted]);
  }

  private async settleFailure(task: ClaimedTask, signal: AbortSignal, err: unknown, log: typeof this.log): Promise<void> {
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    const lost = reason instanceof LeaseLostError ? reason : err instanceof LeaseLostError ? err : undefined;
    try {
      if (lost) {
        await this.reportLeaseLost(task, lost, log);
      } else if (reason === 'shutdown') {
        await this.rt.tasks.attempts.handBack(task);
        log.info('attempt handed back on shutdown');
      } else {
        const message = err instanceof Error ? err.message : String(err);
        const { terminal } = await this.rt.tasks.attempts.fail(task, message);
        log.warn({ error: message, terminal }, terminal ? 'task failed terminally' : 'task failed; retry scheduled');
      }
    } catch (settleErr) {
      if (settleErr instanceof LeaseLostError) await this.reportLeaseLost(task, settleErr, log);
      else throw settleErr;
    }
  }

  /**
   * The attempt, stopped by now, lost its lease (`lost` says what was refused). Reported as a
   * warning and in trace_leases_lost_total{operation}; a lease that lapsed rather than went to
   * another attempt is also reaped at once (outcome lease_expired, retried by the dispatcher)
   * instead of leaving the task running until the reaper's next tick.
   */
  private async reportLeaseLost(task: ClaimedTask, lost: LeaseLostError, log: typeof this.log): Promise<void> {
    this.rt.metrics().leasesLost.inc({ operation: lost.operation });
    const reaped = await this.rt.tasks.maintenance.reapLapsedAttempt(task, lost.operation);
    log.warn({ refused: lost.operation, reaped }, reaped ? 'lease lapsed: attempt stopped and failed' : 'lease lost: attempt stopped; another attempt owns the task');
  }

  protected override async beforeDrain(): Promise<void> {
    await super.beforeDrain();
    const deadline = Date.now() + this.rt.config.shutdownGraceSeconds * 1000;
    while (this.rt.running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const attempt of this.rt.running.list()) this.rt.running.abort(attempt, 'shutdown');
  }
}
