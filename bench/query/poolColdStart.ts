/**
 * What a cold Query Service pays before any file: a fresh query process started (Node, the job
 * module, @duckdb/node-api loaded, its DuckDB opened, macros created and locked) and its first query
 * job, against the next one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { QueryService } from '../../actors/query/queryService.js';
import type { QueryThreadInput } from '../../actors/query/queryThreadJob.js';
import { round1 } from '../queue/stats.js';
import { queryLimits } from './measure.js';
import type { Installation } from './setup.js';

export interface PoolColdStart {
  /** QueryService.open until its first 'SELECT 1' job answered (the process started on open). */
  first_query_job_ms: number;
  next_query_job_ms: number;
}

export async function measurePoolColdStart(inst: Installation): Promise<PoolColdStart> {
  const input: QueryThreadInput = { sql: 'SELECT 1', params: {}, relations: [], hot: null, limits: queryLimits(inst.config), format: 'json' };
  const dataDir = await mkdtemp(path.join(inst.root, 'cold-start-'));
  let t = performance.now();
  const service = await QueryService.open({ config: { ...inst.config, dataDir }, db: inst.rt.db, url: inst.url, dataSchema: inst.schemas.data, objects: inst.objects });
  try {
    await service.runJob(input);
    const first = performance.now() - t;
    t = performance.now();
    await service.runJob(input);
    return { first_query_job_ms: round1(first), next_query_job_ms: round1(performance.now() - t) };
  } finally {
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
