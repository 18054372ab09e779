import { z } from 'zod';
import { HOT_DATASETS } from '../../../drivers/datasets/catalog.js';
import { failpoint } from '../../../runtime/failpoints.js';
import type { CompactParams } from '../../state/compactions.js';
import { coversExactly } from '../../state/rangeCover.js';
import type { JsonValue } from '../../state/tasks/taskTypes.js';
import type { Operator } from './registry.js';

const CompactParamsSchema = z.object({
  dataset: z.enum(HOT_DATASETS),
  chain_id: z.number().int().positive(),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  versions: z.array(z.string().regex(/^\d+$/)).min(2),
}) satisfies z.ZodType<CompactParams>;

/**
 * compact: merges the versions the planner chose (`versions`, covering [start, end) exactly) into
 * one Parquet file (read and rewritten on the worker pool, rows in block order) and registers it as
 * the version of that span, superseding exactly them, in one fenced transaction. Until that commit
 * they stay live: a crash after the upload leaves a staging object for the janitor and nothing else.
 * Idempotent: when the live versions of the span are no longer exactly those (the span is compacted
 * already, a reorg forgot some of them and they were ingested again), there is nothing to do; a
 * commit that finds them changed is refused and the retry finds that out.
 */
export const compact: Operator = async ({ params, outputs, registry, signal, task }): Promise<JsonValue> => {
  const p = CompactParamsSchema.parse(params);
  await failpoint('compact.beforeListing', { taskId: task.taskId, dataset: p.dataset, start: p.start, end: p.end });
  const versions = await registry.listVersions(p.dataset, p.chain_id, p.start, p.end);
  const planned = new Set(p.versions);
  const unchanged = versions.length === planned.size && versions.every((v) => planned.has(v.version_id));
  if (!unchanged || !coversExactly(versions, p.start, p.end) || new Set(versions.map((v) => v.config_hash)).size !== 1) {
    return { compacted: false, live_versions: versions.length };
  }
  const rows = versions.reduce((n, v) => n + Number(v.row_count), 0);
  const key = outputs.stagingKey(p.dataset, p.chain_id, p.start, p.end);
  const sources = versions.flatMap((v) => v.object_keys.map((k) => ({ bucket: v.bucket, key: k })));
  const written = await outputs.mergeParquet(key, sources, signal);
  if (written.rows !== rows) throw new Error(`compaction of ${p.dataset} [${p.start}, ${p.end}) wrote ${written.rows} rows, its versions hold ${rows}`);
  await failpoint('compact.beforeCommit', { taskId: task.taskId, dataset: p.dataset, start: p.start, end: p.end });
  await outputs.commitFile({
    dataset: p.dataset,
    chainId: p.chain_id,
    start: p.start,
    end: p.end,
    configHash: versions[0]!.config_hash,
    key,
    rows,
    bytes: written.bytes,
    sha256: written.sha256,
    etag: written.etag,
    supersedes: versions.map((v) => v.version_id),
  });
  return { compacted: true, versions: versions.length, rows, bytes: written.bytes, key };
};
