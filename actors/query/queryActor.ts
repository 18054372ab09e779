import type { QueryAnswer, QueryFormat, QueryRequest } from './queryTypes.js';
import { Actor } from '../../runtime/actor.js';
import type { Runtime } from '../node/context.js';
import type { RuntimeMetrics } from '../node/metrics.js';
import { classifyQueryFailure, QueryBusyError } from './queryFailures.js';

export interface AskOptions {
  format: QueryFormat;
  /** Aborted when the caller went away: a waiting query is skipped, a running one interrupted. */
  signal?: AbortSignal;
}

interface AdmittedQuery {
  request: QueryRequest;
  options: AskOptions;
  admittedAt: number;
  resolve: (answer: QueryAnswer) => void;
  reject: (err: unknown) => void;
}

/** How many queries may wait per query running; more are refused as busy. */
const WAITING_PER_SLOT = 4;

/**
 * Admission to the Query Service: queries run `queryConcurrency` at once, as many again × 4 wait in
 * the bounded mailbox, and one more is refused at once (QueryBusyError) instead of piling up
 * behind DuckDB. Records the query metrics. A failed query is its caller's answer, never a crash.
 */
export class QueryActor extends Actor<AdmittedQuery> {
  private readonly metrics: RuntimeMetrics;

  constructor(private readonly rt: Runtime) {
    const concurrency = rt.config.queryConcurrency;
    super('query', rt.log.child({ actor: 'query' }), { concurrency, mailboxCapacity: WAITING_PER_SLOT * concurrency });
    this.metrics = rt.metrics();
  }

  ask(request: QueryRequest, options: AskOptions): Promise<QueryAnswer> {
    return new Promise((resolve, reject) => {
      if (this.tell({ request, options, admittedAt: performance.now(), resolve, reject })) return;
      this.metrics.queryRequests.inc({ outcome: 'busy' });
      const { queryConcurrency } = this.rt.config;
      reject(new QueryBusyError(`query service busy (${queryConcurrency} running, ${this.mailbox.capacity} waiting); retry later`));
    });
  }

  protected override async receive(job: AdmittedQuery): Promise<void> {
    const { signal, format } = job.options;
    this.metrics.queryInflight.inc();
    try {
      signal?.throwIfAborted();
      const answer = await (await this.rt.query()).answer(job.request, format, { signal });
      this.metrics.queryRequests.inc({ outcome: 'ok' });
      job.resolve(answer);
    } catch (err) {
      this.metrics.queryRequests.inc({ outcome: signal?.aborted ? 'cancelled' : classifyQueryFailure(err).outcome });
      job.reject(err);
    } finally {
      this.metrics.queryInflight.dec();
      this.metrics.queryDuration.observe((performance.now() - job.admittedAt) / 1000);
    }
  }
}
