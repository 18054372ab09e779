import type { Delivery } from '../../drivers/queue/queueDriver.js';
import { ObjectStoreUnavailableError } from '../../drivers/store/objectStore.js';
import type { Runtime } from '../node/context.js';
import { BUFFER_QUEUE, type ApplyOutcome } from '../state/bufferBatches.js';
import { DeliveryActor } from '../consumer/deliveryActor.js';
import { failpoint } from '../../runtime/failpoints.js';

/** Concurrent batch applications per process; each holds one connection for its transaction. */
const SINK_SLOTS = 2;
/** A failed batch is tried again after 0.2 s, doubling per failure… */
const RETRY_BASE_SECONDS = 0.2;
/** …up to 30 s: a poison batch spends the default 5 deliveries in ~3 s, and a store outage is probed twice a minute. */
const RETRY_MAX_SECONDS = 30;

const decoder = new TextDecoder();

function parseJsonLines(bytes: Uint8Array): unknown[] {
  const text = decoder.decode(bytes);
  return text.length === 0 ? [] : text.split('\n').map((line) => JSON.parse(line) as unknown);
}

/** The delay before the next try after `failures` failures in a row. */
function retryDelaySeconds(failures: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (failures - 1));
}

function batchIdOf(delivery: Delivery): string | undefined {
  const batchId = delivery.payload.batch_id;
  return typeof batchId === 'string' && /^\d+$/.test(batchId) ? batchId : undefined;
}

/**
 * Applies buffered dataset batches: for each wake-up (a buffer batch id) whose attempt succeeded,
 * it reads the staged rows from the scratch bucket and inserts them into their data table,
 * skipping rows that are already there, and marks the batch applied in the same transaction. A
 * store that does not answer is weather: the delivery is handed back with a growing delay and
 * spends none of its budget. A batch that cannot be applied is nacked with its error and retried
 * with backoff; after the queue's delivery budget it lands in the dead-letter table, with no row of
 * it written, and is marked so the sweeper leaves it to a redrive.
 */
export class SinkActor extends DeliveryActor {
  /** Applications in a row that found the object store down; the hand-back delay grows with them. */
  private storeDownInARow = 0;

  constructor(rt: Runtime) {
    super('sink', rt, BUFFER_QUEUE, SINK_SLOTS, rt.log.child({ actor: 'sink' }));
  }

  protected async handle(delivery: Delivery): Promise<void> {
    const batchId = batchIdOf(delivery);
    try {
      if (batchId === undefined) throw new Error(`wake-up without a batch id: ${JSON.stringify(delivery.payload)}`);
      const store = await this.rt.objects.get();
      const outcome = await this.rt.buffers.apply(batchId, async (batch) => parseJsonLines(await store.getBytes(batch.bucket, batch.object_key)));
      if (outcome.kind === 'applied') this.storeDownInARow = 0;
      await failpoint('sink.beforeAck', { batchId });
      await this.ack(delivery.receipt);
      this.logOutcome(batchId, outcome);
    } catch (err) {
      if (err instanceof ObjectStoreUnavailableError) await this.waitForStore(delivery, err);
      else await this.fail(delivery, batchId, err);
    }
  }

  private logOutcome(batchId: string, outcome: ApplyOutcome): void {
    if (outcome.kind === 'applied') this.log.info({ batch: batchId, inserted: outcome.inserted }, 'buffer batch applied');
    else if (outcome.kind === 'attemptNotSucceeded') this.log.debug({ batch: batchId }, 'wake-up for a batch whose attempt has not succeeded; dropped');
  }

  private async waitForStore(delivery: Delivery, err: ObjectStoreUnavailableError): Promise<void> {
    this.storeDownInARow += 1;
    const delaySeconds = retryDelaySeconds(this.storeDownInARow);
    this.log.warn({ batch: batchIdOf(delivery), error: err.message, delaySeconds }, 'object store unavailable; batch handed back');
    await this.release(delivery.receipt, delaySeconds);
  }

  private async fail(delivery: Delivery, batchId: string | undefined, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const delaySeconds = retryDelaySeconds(delivery.receipt.deliveryCount);
    this.log.warn({ batch: batchId, error: message, delivery: delivery.receipt.deliveryCount, delaySeconds }, 'buffer batch failed');
    const nacked = await this.rt.queue.nack(delivery.receipt, delaySeconds, message).catch(() => undefined);
    if (!nacked?.deadLettered || batchId === undefined) return;
    // Unmarked, the sweeper announces it again after its grace: one more round to the dead letters.
    await this.rt.buffers.markDeadLettered(batchId).catch((markErr: unknown) => this.log.warn({ err: markErr, batch: batchId }, 'could not mark a dead-lettered batch'));
  }
}
