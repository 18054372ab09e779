import { withTransaction } from '../../drivers/postgres/postgres.js';
import { isTransientDatabaseError } from '../../drivers/postgres/transientErrors.js';
import { Actor } from '../../runtime/actor.js';
import type { Runtime } from '../node/context.js';
import { failpoint } from '../../runtime/failpoints.js';
import { waitForWake } from '../../runtime/waiting.js';
import { IdleBackoff } from '../../runtime/idleBackoff.js';
import { outboxStore, type OutboxRow, type PublishFailurePolicy } from '../state/outbox/outboxStore.js';

const BATCH = 500;
/**
 * Every outbox insert NOTIFYs the publisher; its poll only covers a notification lost while LISTEN
 * reconnects and rows backing off, so while there is nothing it backs off to a poll per 30 s.
 */
const IDLE_POLL_MAX_MS = 30_000;
/**
 * Failed rows back off from 0.5 s up to 60 s; 20 failures (~13 min of them) park a row, which is
 * then tried every 10 min by itself (one publish per parked row, ten times the longest backoff),
 * so it goes out within 10 min of the queue's return without an operator's outbox-unpark.
 */
const FAILURE_POLICY: PublishFailurePolicy = { backoffBaseSeconds: 0.5, backoffMaxSeconds: 60, parkAfter: 20, parkedRetrySeconds: 600 };

/**
 * Drains the outbox into the QueueDriver. A batch is locked (FOR UPDATE SKIP LOCKED, so several
 * publishers share the work), published through the driver, a separate transaction, and deleted
 * only afterwards: a crash in between leaves the rows to be published again (at-least-once; a
 * duplicate wake-up is harmless). Failed publishes back off per row; after 20 failures a row is
 * parked (shown in status) and tried again on a slow schedule.
 */
export class PublisherActor extends Actor<never> {
  private wake: (() => void) | undefined;
  /**
   * An outbox NOTIFY came while a batch was being published: the batch's snapshot may not hold
   * that row, so the publisher looks again at once instead of at its next poll (a lost wake-up
   * held a planned range's task up to a poll interval, bench/ingest queue_wait).
   */
  private notifiedWhileBusy = false;

  constructor(private readonly rt: Runtime) {
    super('publisher', rt.log.child({ actor: 'publisher' }));
  }

  protected override async onStart(): Promise<void> {
    const unsubscribe = await this.rt.listener.subscribe(`${this.rt.schemas.state}_outbox`, () => {
      if (this.wake) this.wake();
      else this.notifiedWhileBusy = true;
    });
    this.stopSignal.addEventListener('abort', unsubscribe, { once: true });
    const poll = new IdleBackoff(this.rt.config.pollIntervalMs, IDLE_POLL_MAX_MS);
    // A database restart is weather, not a crash: the chaos suite's PostgreSQL kills crashed the
    // publisher 6 times within a minute, past its budget, and the whole dispatcher node exited.
    this.loop(
      async () => {
        this.notifiedWhileBusy = false;
        let claimed = 0;
        for (let batch = BATCH; this.running && batch === BATCH; claimed += batch) batch = await this.publishBatch();
        await this.idle(poll.next(claimed > 0));
      },
      { isTransient: isTransientDatabaseError },
    );
  }

  /** Waits for an outbox NOTIFY, `ms`, or stop. */
  private idle(ms: number): Promise<void> {
    if (this.notifiedWhileBusy) return Promise.resolve();
    return waitForWake(ms, this.stopSignal, (wake) => {
      this.wake = wake;
      return () => (this.wake = undefined);
    });
  }

  /** Publishes one batch; returns how many rows it claimed. */
  async publishBatch(): Promise<number> {
    return withTransaction(this.rt.db, async (client) => {
      const rows = await outboxStore.claimDue(client, BATCH);
      for (const group of groupForPublish(rows)) {
        const ids = group.map((r) => r.outbox_id);
        try {
          await this.rt.queue.publishBatch(
            group[0]!.queue,
            group.map((r) => r.payload),
            { delaySeconds: group[0]!.delay_seconds },
          );
        } catch (err) {
          const parked = await outboxStore.recordPublishFailure(client, ids, (err as Error).message, FAILURE_POLICY);
          this.log.warn({ err, rows: ids.length, parked }, 'publish failed; backing off');
          continue;
        }
        await failpoint('publisher.afterPublish');
        await outboxStore.deletePublished(client, ids);
      }
      return rows.length;
    });
  }
}

/** Consecutive rows with the same queue and delay go out in one publish call. */
function groupForPublish(rows: readonly OutboxRow[]): OutboxRow[][] {
  const groups: OutboxRow[][] = [];
  for (const row of rows) {
    const last = groups.at(-1);
    if (last && last[0]!.queue === row.queue && last[0]!.delay_seconds === row.delay_seconds) last.push(row);
    else groups.push([row]);
  }
  return groups;
}
