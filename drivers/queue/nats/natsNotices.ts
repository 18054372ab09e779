import type { Subscription } from '@nats-io/transport-node';
import type { Notice, NoticeSource } from '../queueWakeups.js';
import type { LazyNatsLink, NatsLink } from './natsLink.js';

/**
 * The NATS driver's wake-up notices, the counterpart of pgqueue's NOTIFY: a core NATS subject
 * (fire and forget, not stored) carrying `{queue, at}` whenever messages were published, handed
 * back or nacked. Visibility lapses announce nothing; waiting consumers poll for those.
 */
export class NatsNotices implements NoticeSource {
  private subscription: Subscription | undefined;

  constructor(
    private readonly link: LazyNatsLink,
    private readonly subject: string,
  ) {}

  /** Subscribes once (the client resubscribes after a reconnect) and makes sure the server has the subscription. */
  async listen(onNotice: (payload: string) => void): Promise<void> {
    if (this.subscription) return;
    const { nc } = await this.link.get();
    this.subscription ??= nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (!err) onNotice(msg.string());
      },
    });
    await nc.flush();
  }

  /** Tells every listening driver that messages of `queue` become visible at `at` (epoch ms). */
  announce({ nc }: NatsLink, queue: string, at: number): void {
    const notice: Notice = { queue, at };
    nc.publish(this.subject, JSON.stringify(notice));
  }

  async close(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}
