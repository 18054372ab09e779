import type { QueueMetrics } from '../queueDriver.js';
import type { DeadLetterStream } from './deadLetterStream.js';
import { readEnvelope } from './messageEnvelope.js';
import type { NatsLink } from './natsLink.js';
import type { NatsTopology } from './natsTopology.js';

const EMPTY: QueueMetrics = { depth: 0, visible: 0, inFlight: 0, oldestAgeSeconds: 0, dead: 0 };

/**
 * Queue metrics from consumer and stream state. Visible: messages the live consumer has not
 * handed out yet. In flight: the rest of the depth, that is deliveries not acked (a lapsed one
 * included until it is handed out again) and delayed messages. Oldest age: the first message
 * not handed out yet, by its first publish time.
 */
export class NatsQueueMetrics {
  constructor(
    private readonly topology: NatsTopology,
    private readonly deadLetters: DeadLetterStream,
  ) {}

  async ofQueue(link: NatsLink, queue: string): Promise<QueueMetrics> {
    const { liveStream, delayedStream } = this.topology;
    const [live, delayed, dead] = await Promise.all([
      link.jsm.consumers.info(liveStream, queue),
      link.jsm.consumers.info(delayedStream, queue),
      this.deadLetters.count(link, queue),
    ]);
    const depth = live.num_pending + live.num_ack_pending + delayed.num_pending + delayed.num_ack_pending;
    const visible = live.num_pending;
    let oldestAgeSeconds = 0;
    if (visible > 0) {
      const next = await link.jsm.direct.getMessage(liveStream, { next_by_subj: this.topology.liveSubject(queue), seq: live.delivered.stream_seq + 1 });
      if (next) oldestAgeSeconds = Math.max(0, (Date.now() - readEnvelope(next.header, next.data, next.time.getTime()).enqueuedAt) / 1000);
    }
    return { depth, visible, inFlight: depth - visible, oldestAgeSeconds, dead };
  }

  /** Summed over every queue that has a consumer in the namespace. */
  async ofAll(link: NatsLink): Promise<QueueMetrics> {
    const queues = (await link.jsm.consumers.list(this.topology.liveStream).next()).map((info) => info.name);
    const each = await Promise.all(queues.map((queue) => this.ofQueue(link, queue)));
    return each.reduce(
      (sum, m) => ({
        depth: sum.depth + m.depth,
        visible: sum.visible + m.visible,
        inFlight: sum.inFlight + m.inFlight,
        oldestAgeSeconds: Math.max(sum.oldestAgeSeconds, m.oldestAgeSeconds),
        dead: sum.dead + m.dead,
      }),
      EMPTY,
    );
  }
}
