import type { JobStatus } from '../actors/state/syncJobs.js';
import type { DatasetVersion } from '../actors/state/datasetRegistry.js';
import { parseSyncJobSpec, type SyncJobSpec } from '../actors/state/syncJobSpec.js';
import { readUserFile } from './tasks.js';

export async function readSyncJobFile(path: string): Promise<SyncJobSpec> {
  return parseSyncJobSpec(await readUserFile(path), path);
}

export function formatJobStatus(job: JobStatus): string {
  const lines = [`job ${job.job_id} ${job.name} (chain ${job.chain_id}, ${job.mode.kind}): ${job.status}${job.complete ? ', complete' : ''}`];
  for (const [key, s] of Object.entries(job.streams)) {
    const target = s.target === null ? 'head?' : String(s.target);
    const rate = s.blocks_per_s === null ? '' : `, ${s.blocks_per_s} blocks/s`;
    lines.push(
      `  ${key.padEnd(14)} ${s.dataset.padEnd(12)} cursor ${s.cursor}/${target}  ranges ${s.ranges_done} done, ${s.ranges_in_flight} in flight, ${s.ranges_failed} failed  ${s.rows} rows${rate}`,
    );
  }
  return lines.join('\n');
}

/** A registered version as `trace-lite datasets` shows it: where the files are, as s3:// URIs. */
export function describeVersion(v: DatasetVersion, endpoint: string) {
  return {
    dataset: v.dataset,
    chain_id: Number(v.chain_id),
    range: [Number(v.range_start), Number(v.range_end)],
    rows: Number(v.row_count),
    bytes: Number(v.bytes),
    uri: v.object_keys.map((key) => `s3://${v.bucket}/${key}`),
    manifest: `s3://${v.bucket}/${v.manifest_key}`,
    endpoint,
    task_id: v.task_id,
    attempt: v.attempt,
    committed_at: v.committed_at,
  };
}
