/**
 * A bounded FIFO mailbox. `offer` refuses when full and `put` waits for room, so a fast producer
 * is slowed to the pace of its consumer instead of growing memory without bound.
 */
export class BoundedMailbox<M> {
  private readonly items: M[] = [];
  private readonly takers: ((m: M | undefined) => void)[] = [];
  private readonly putters: (() => void)[] = [];
  private closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`mailbox capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  get free(): number {
    return this.capacity - this.items.length;
  }

  /** Adds a message unless the mailbox is full or closed; says whether it was taken. */
  offer(message: M): boolean {
    if (this.closed) return false;
    const taker = this.takers.shift();
    if (taker) {
      taker(message);
      return true;
    }
    if (this.items.length >= this.capacity) return false;
    this.items.push(message);
    return true;
  }

  /** Adds a message, waiting while the mailbox is full; throws once it is closed. */
  async put(message: M): Promise<void> {
    while (!this.offer(message)) {
      if (this.closed) throw new Error('mailbox is closed');
      await new Promise<void>((resolve) => this.putters.push(resolve));
    }
  }

  /** Next message, waiting for one; undefined once the mailbox is closed and drained. */
  take(): Promise<M | undefined> {
    const message = this.items.shift();
    if (message !== undefined) {
      this.putters.shift()?.();
      return Promise.resolve(message);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** Stops accepting messages; waiting takers get undefined once the backlog is drained, waiting putters fail. */
  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
    for (const putter of this.putters.splice(0)) putter();
  }

  /** Removes and returns every queued message (used when a stopping actor hands work back). */
  drain(): M[] {
    const drained = this.items.splice(0);
    for (const putter of this.putters.splice(0)) putter();
    return drained;
  }
}
