import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueDriver } from '../../drivers/queue/queueDriver.js';
import { BUFFER_QUEUE } from '../state/bufferBatches.js';
import type { TaskStore } from '../state/tasks/taskStore.js';
import { TASK_QUEUE } from '../state/tasks/taskTypes.js';
import type { Logger } from '../../runtime/logger.js';

/**
 * The event-loop delay histogram's timer period. prom-client's default (10 ms) wakes an idle node
 * 100 times a second, forever: ~200 epoll wake-ups/s, most of an idle node's CPU (strace, bench:footprint).
 * At 100 ms every stall of 100 ms or more still shows in `nodejs_eventloop_lag_*`; shorter ones are sampled.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/** How a query request ended, as counted in trace_query_requests_total{outcome}. */
export type QueryOutcome = 'ok' | 'rejected' | 'timeout' | 'too_large' | 'busy' | 'cancelled' | 'error';

export interface MetricsSources {
  queue: QueueDriver;
  tasks: TaskStore;
  log: Logger;
}

/**
 * Prometheus metrics of one runtime, in its own registry (never prom-client's global one, so
 * several runtimes in one process, as in the tests, do not clash): process defaults, the query
 * counters the query actor records, the worker's lost leases, and state gauges read from Postgres
 * at each scrape.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly queryRequests = new Counter({
    name: 'trace_query_requests_total',
    help: 'Query requests by outcome (ok, rejected, timeout, too_large, busy, cancelled, error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly queryDuration = new Histogram({
    name: 'trace_query_duration_seconds',
    help: 'Time from admission to answer of admitted queries, waiting included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly queryInflight = new Gauge({
    name: 'trace_query_inflight',
    help: 'Queries executing now',
    registers: [this.registry],
  });
  readonly leasesLost = new Counter({
    name: 'trace_leases_lost_total',
    help: 'Attempts of this process stopped because their lease was lost, by the refused operation (heartbeat, commit, complete, fail, …)',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'trace_queue_depth',
    help: 'Messages in the live queue, visible or in flight',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  private readonly queueDead = new Gauge({
    name: 'trace_queue_dead_letters',
    help: 'Messages in the dead-letter table',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });
  private readonly tasksByStatus = new Gauge({
    name: 'trace_tasks',
    help: 'Tasks by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  constructor(private readonly sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text, with the state gauges read fresh from Postgres. */
  async render(): Promise<string> {
    await this.refreshState();
    return this.registry.metrics();
  }

  private async refreshState(): Promise<void> {
    const { queue, tasks, log } = this.sources;
    try {
      const [counts, ...queues] = await Promise.all([
        tasks.reads.countsByStatus(),
        ...[TASK_QUEUE, BUFFER_QUEUE].map(async (name) => ({ name, metrics: await queue.metrics(name) })),
      ]);
      for (const [status, n] of Object.entries(counts)) this.tasksByStatus.set({ status }, n);
      for (const { name, metrics } of queues) {
        this.queueDepth.set({ queue: name }, metrics.depth);
        this.queueDead.set({ queue: name }, metrics.dead);
      }
    } catch (err) {
      // Process and query metrics stay available while Postgres is away; stale state gauges would lie.
      log.warn({ err }, 'metrics: cannot read queue and task state');
      for (const gauge of [this.queueDepth, this.queueDead, this.tasksByStatus]) gauge.reset();
    }
  }
}
