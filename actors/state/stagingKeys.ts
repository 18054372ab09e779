import type { Fence } from './tasks/taskTypes.js';

/**
 * Object key layout. Every staged object's key carries the task id and attempt that wrote it, so
 * two attempts never overwrite each other and the janitor can tell, from the key alone, which
 * attempt it must ask Postgres about.
 *
 *   staging/<dataset>/chain_<id>/task_<task>/attempt_<n>/<file>   (datasets bucket)
 *   buffers/task_<task>/attempt_<n>/<artifact>.jsonl                (scratch bucket)
 */
export const STAGING_ROOT = 'staging/';
export const BUFFER_ROOT = 'buffers/';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.=-]*$/;

function checkSegment(what: string, value: string): string {
  if (!SEGMENT.test(value)) throw new RangeError(`${what} ${JSON.stringify(value)} is not a safe object key segment`);
  return value;
}

export function stagingPrefix(dataset: string, chainId: number | string, fence: Pick<Fence, 'taskId' | 'attempt'>): string {
  return `${STAGING_ROOT}${checkSegment('dataset', dataset)}/chain_${chainId}/task_${fence.taskId}/attempt_${fence.attempt}/`;
}

export function bufferKey(fence: Pick<Fence, 'taskId' | 'attempt'>, artifact: string): string {
  return `${BUFFER_ROOT}task_${fence.taskId}/attempt_${fence.attempt}/${checkSegment('artifact', artifact)}.jsonl`;
}

/** The attempt that wrote a staged key, or undefined for a key outside the layout. */
export function attemptOfKey(key: string): { taskId: string; attempt: number } | undefined {
  const match = /\/task_(\d+)\/attempt_(\d+)\//.exec(key);
  return match ? { taskId: match[1]!, attempt: Number(match[2]) } : undefined;
}

/** Cryo's file name for a range: `{network}__{dataset}__{start:08}_to_{end_inclusive:08}.parquet`. */
export function cryoFileName(network: string, dataset: string, start: number, endExclusive: number): string {
  const pad = (n: number) => String(n).padStart(8, '0');
  return `${checkSegment('network', network)}__${checkSegment('dataset', dataset)}__${pad(start)}_to_${pad(endExclusive - 1)}.parquet`;
}
