import type { Delivery } from '../../drivers/queue/queueDriver.js';
import type { Runtime } from '../node/context.js';
import { BUFFER_QUEUE } from '../state/bufferBatches.js';
import { DeliveryActor } from '../consumer/deliveryActor.js';
import { failpoint } from '../../runtime/failpoints.js';

/** Concurrent batch applications per process; each holds one connection for its transaction. */
const SINK_SLOTS = 2;

const decoder = new TextDecoder();

function parseJsonLines(bytes: Uint8Array): unknown[] {
  const text = decoder.decode(bytes);
  return text.length === 0 ? [] : text.split('\n').map((line) => JSON.parse(line) as unknown);
}

/**
 * Applies buffered dataset batches: for each wake-up (a buffer batch id) it reads the staged rows
 * from the scratch bucket and inserts them into their data table, skipping rows that are already
 * there, and marks the batch applied in the same transaction. A batch that cannot be applied is
 * nacked with its error and retried with backoff; after the queue's delivery budget it lands in the
 * dead-letter table, with no row of it written.
 */
export class SinkActor extends DeliveryActor {
  constructor(rt: Runtime) {
    super('sink', rt, BUFFER_QUEUE, SINK_SLOTS, rt.log.child({ actor: 'sink' }));
  }

  protected async handle(delivery: Delivery): Promise<void> {
    const batchId = delivery.payload.batch_id;
    try {
      if (typeof batchId !== 'string' || !/^\d+$/.test(batchId)) throw new Error(`wake-up without a batch id: ${JSON.stringify(delivery.payload)}`);
      const store = await this.rt.objects.get();
      const inserted = await this.rt.buffers.apply(batchId, async (batch) => parseJsonLines(await store.getBytes(batch.bucket, batch.object_key)));
      await failpoint('sink.beforeAck', { batchId });
      await this.ack(delivery.receipt);
      if (inserted !== undefined) this.log.info({ batch: batchId, inserted }, 'buffer batch applied');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const delaySeconds = Math.min(30, 0.2 * 2 ** (delivery.receipt.deliveryCount - 1));
      this.log.warn({ batch: batchId, error: message, delivery: delivery.receipt.deliveryCount, delaySeconds }, 'buffer batch failed');
      await this.rt.queue.nack(delivery.receipt, delaySeconds, message).catch(() => undefined);
    }
  }
}
