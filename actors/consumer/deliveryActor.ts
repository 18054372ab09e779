import { ReceiptRefusedError, type Delivery, type Receipt } from '../../drivers/queue/queueDriver.js';
import { Actor } from '../../runtime/actor.js';
import type { Runtime } from '../node/context.js';
import type { Logger } from '../../runtime/logger.js';

/**
 * An actor fed by one queue through the wake-up mailbox: it subscribes with a demand equal to its
 * free slots (so the consumer never receives more than it can take), handles each delivery, and
 * returns untaken deliveries to the queue when it stops, their delivery budget untouched.
 */
export abstract class DeliveryActor extends Actor<Delivery> {
  private unsubscribe: (() => void) | undefined;
  /** Deliveries accepted and not yet finished (waiting in the mailbox or being handled). */
  private inHand = 0;

  constructor(
    name: string,
    protected readonly rt: Runtime,
    private readonly queueName: string,
    private readonly slots: number,
    log: Logger,
  ) {
    super(name, log, { concurrency: slots, mailboxCapacity: slots });
  }

  protected abstract handle(delivery: Delivery): Promise<void>;

  protected override async onStart(): Promise<void> {
    this.unsubscribe = this.rt.wakeups.subscribe(this.queueName, {
      deliver: (delivery) => {
        if (this.tell(delivery)) this.inHand += 1;
        else void this.release(delivery.receipt);
      },
      demand: () => this.slots - this.inHand,
    });
  }

  protected override async receive(delivery: Delivery): Promise<void> {
    try {
      await this.handle(delivery);
    } finally {
      this.inHand -= 1;
      this.rt.wakeups.demandChanged();
    }
  }

  /** Acks; a refused receipt (the delivery lapsed and went elsewhere) is fine: state decides. */
  protected async ack(receipt: Receipt): Promise<void> {
    await this.rt.queue.ack(receipt).catch((err: unknown) => {
      if (!(err instanceof ReceiptRefusedError)) throw err;
    });
  }

  /**
   * Returns a delivery to the queue after `delaySeconds` (at once: for another consumer) without
   * spending its delivery budget: nothing failed. A refused receipt is fine: the message went on.
   */
  protected async release(receipt: Receipt, delaySeconds = 0): Promise<void> {
    await this.rt.queue.release(receipt, delaySeconds).catch(() => undefined);
  }

  protected override async beforeDrain(): Promise<void> {
    this.unsubscribe?.();
    const untaken = this.mailbox.drain();
    // Drained deliveries never reach receive(), which is what counts the others down.
    this.inHand -= untaken.length;
    await Promise.all(untaken.map((d) => this.release(d.receipt)));
  }
}
