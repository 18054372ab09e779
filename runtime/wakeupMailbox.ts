import mittImport from 'mitt';
import { waitForWake } from './waiting.js';

// mitt loads as ESM at run time, but its single .d.ts is read as CommonJS under NodeNext, which
// types the default import as the module object; this names the function it really is.
const mitt = mittImport as unknown as typeof mittImport.default;

/** A wake-up as the mailbox sees it: whatever the queue driver delivered, addressed to a queue. */
export interface Addressed {
  receipt: { queue: string };
}

interface Subscriber<D> {
  deliver: (delivery: D) => void;
  /** How many more deliveries the subscriber can take now. */
  demand: () => number;
}

/**
 * The in-process mailbox between the queue consumer and the actors: deliveries are emitted on a
 * mitt bus under their queue's name and reach the actor subscribed to that queue. mitt is the
 * design card's fan-out; one subscriber per queue is the rule here because the consumer receives
 * exactly the demand that subscriber reported, so a second one would receive what it never asked for. Subscribers
 * report their demand, and the consumer receives no more than that, so back-pressure reaches the
 * queue (undelivered messages stay in it, visible to other processes).
 */
export class WakeupMailbox<D extends Addressed> {
  private readonly bus = mitt<Record<string, D>>();
  private readonly subscribers = new Map<string, Subscriber<D>>();
  private readonly demandWaiters = new Set<() => void>();

  subscribe(queue: string, subscriber: Subscriber<D>): () => void {
    if (this.subscribers.has(queue)) throw new Error(`queue ${queue} already has a subscriber in this process`);
    this.subscribers.set(queue, subscriber);
    this.bus.on(queue, subscriber.deliver);
    this.demandChanged();
    return () => {
      this.bus.off(queue, subscriber.deliver);
      this.subscribers.delete(queue);
      this.demandChanged();
    };
  }

  queues(): string[] {
    return [...this.subscribers.keys()];
  }

  demand(queue: string): number {
    return Math.max(0, this.subscribers.get(queue)?.demand() ?? 0);
  }

  deliver(delivery: D): void {
    this.bus.emit(delivery.receipt.queue, delivery);
  }

  /** Subscribers call this when they can take more (a slot freed). */
  demandChanged(): void {
    for (const wake of this.demandWaiters) wake();
    this.demandWaiters.clear();
  }

  /** Resolves when demand may have changed, after `maxWaitMs`, or on abort. */
  waitForDemand(maxWaitMs: number, signal: AbortSignal): Promise<void> {
    return waitForWake(maxWaitMs, signal, (wake) => {
      this.demandWaiters.add(wake);
      return () => this.demandWaiters.delete(wake);
    });
  }
}
