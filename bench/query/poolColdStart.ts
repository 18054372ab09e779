/**
 * What a cold Query Service pays before any file: a fresh pool's first job (thread start, the
 * pool module's imports) and its first query job (@duckdb/node-api loaded in that thread, an
 * instance), against the next one.
 */
import { performance } from 'node:perf_hooks';
import type { QueryThreadInput } from '../../actors/query/queryThreadJob.js';
import { openThreadPool } from '../../actors/threadJobs.js';
import type { Config } from '../../runtime/config.js';
import { round1 } from '../queue/stats.js';
import { queryLimits } from './measure.js';

export interface PoolColdStart {
  thread_start_ms: number;
  first_query_job_ms: number;
  next_query_job_ms: number;
}

export async function measurePoolColdStart(config: Config): Promise<PoolColdStart> {
  const input: QueryThreadInput = {
    sql: 'SELECT 1',
    params: {},
    macros: [],
    relations: [],
    hot: null,
    limits: queryLimits(config),
    format: 'json',
    threads: config.queryThreads,
  };
  const pool = openThreadPool({ maxThreads: 1 });
  try {
    let t = performance.now();
    await pool.run('threadId', undefined);
    const threadStart = performance.now() - t;
    t = performance.now();
    await pool.run('runQuery', input);
    const first = performance.now() - t;
    t = performance.now();
    await pool.run('runQuery', input);
    return { thread_start_ms: round1(threadStart), first_query_job_ms: round1(first), next_query_job_ms: round1(performance.now() - t) };
  } finally {
    await pool.close();
  }
}
