import { z } from 'zod';
import { columnsConfig, fileColumnNames, HOT_DATASETS } from '../../../drivers/datasets/catalog.js';
import { cryoNetworkName } from '../../../drivers/datasets/cryoSchemas.js';
import { eventConfig } from '../../../drivers/datasets/logEvent.js';
import type { Operator } from './registry.js';
import { failpoint } from '../../../runtime/failpoints.js';
import { StageClock } from '../stageTimings.js';

const IngestParamsSchema = z.object({
  dataset: z.enum(HOT_DATASETS),
  chain_id: z.number().int().positive(),
  rpc_pool: z.string().min(1),
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  network: z.string().optional(),
  /** Also keep the range as hot rows in Postgres (default true). */
  hot: z.boolean().default(true),
  /** The file's columns (Cryo's --include-columns / --exclude-columns); default Cryo's defaults. */
  columns: z.object({ include: z.array(z.string()).optional(), exclude: z.array(z.string()).optional() }).optional(),
  /** logs only: a Solidity event signature; only its logs are kept, with decoded columns in the file. */
  event: z.string().optional(),
});

/** Config hash of cold files: what would change their content for the same range (an event adds its signature, a column choice its columns). */
const CONFIG_HASH = 'cryo-v1-zstd';

/**
 * cryo_ingest: one task = one (dataset, range). On the worker pool it fetches the range over
 * JSON-RPC and decodes it with Cryo's schema, then frees the stream's fetch slot (the planner plans
 * the next range meanwhile), streams it as Parquet to a staging key named the Cryo way; then one
 * fenced transaction registers the file and replaces the range's hot rows.
 * Idempotent: a retried or re-planned range registers once (the first commit stays visible) and
 * its hot rows are replaced, not duplicated. Exactly one publication per successful attempt.
 */
export const cryoIngest: Operator = async ({ params, outputs, signal, task }) => {
  const p = IngestParamsSchema.parse(params);
  if (p.end <= p.start) throw new RangeError(`empty range [${p.start}, ${p.end})`);
  const key = outputs.stagingKey(p.dataset, p.chain_id, p.start, p.end, p.network ?? cryoNetworkName(p.chain_id));
  const columns = fileColumnNames(p.dataset, p.columns);
  const clock = new StageClock();
  const written = await outputs.ingestRange(
    key,
    { dataset: p.dataset, chainId: p.chain_id, start: p.start, end: p.end, rpcPool: p.rpc_pool, hot: p.hot, columns, event: p.event },
    // Read: the stream's fetch slot is free, its next range is planned while this one is written and committed.
    { signal, clock, onFetched: () => outputs.rangeFetched() },
  );
  await failpoint('ingest.beforeCommit', { taskId: task.taskId, dataset: p.dataset, chainId: p.chain_id, start: p.start, end: p.end });
  const result = await outputs.commitFile(
    { dataset: p.dataset, chainId: p.chain_id, start: p.start, end: p.end, configHash: CONFIG_HASH + eventConfig(p.event) + columnsConfig(p.dataset, p.columns), key, rows: written.rows, bytes: written.bytes, sha256: written.sha256, etag: written.etag },
    {
      blockHashes: written.blockHashes,
      hot: p.hot ? { dataset: p.dataset, chainId: p.chain_id, start: p.start, end: p.end, copyText: written.copyText } : undefined,
      clock,
    },
  );
  return { rows: written.rows, bytes: written.bytes, key, registered: result.registered, stages_ms: clock.timings };
};
