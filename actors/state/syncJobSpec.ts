import { LineCounter, parseDocument, isNode } from 'yaml';
import { z } from 'zod';
import { columnSelectionErrors, HOT_DATASETS } from '../../drivers/datasets/catalog.js';
import { LogEventError, parseLogEvent } from '../../drivers/datasets/logEvent.js';

/** The operator every planned range runs. */
export const INGEST_OPERATOR = 'cryo_ingest';

const blockNumber = z.number().int().nonnegative();

const StreamSchema = z
  .object({
    /** A stream ingests a dataset into its cold files and its hot table. */
    cryo_dataset_name: z.enum(HOT_DATASETS, {
      error: (issue) => `unsupported dataset ${JSON.stringify(issue.input)} (supported: ${HOT_DATASETS.join(', ')})`,
    }),
    rpc_pool: z.string().regex(/^[A-Za-z0-9_]+$/, 'letters, digits and _ only (it names TRACE_RPC_POOL_<POOL>_URL)'),
    chunk_size: z.number().int().positive().max(100_000).default(100),
    max_inflight: z.number().int().positive().max(256).default(2),
    /** The stream's file columns, as Cryo's --include-columns / --exclude-columns (hot rows keep the defaults). */
    columns: z
      .object({ include: z.array(z.string()).optional(), exclude: z.array(z.string()).optional() })
      .strict()
      .optional(),
    /**
     * logs only, as Cryo's --event-signature: a Solidity event signature; the stream keeps only the
     * logs of that event, its files with decoded `event__<param>` columns (hot rows keep the defaults).
     */
    event: z.string().optional(),
  })
  .strict()
  .superRefine((stream, ctx) => {
    if (stream.event !== undefined) {
      const problem = stream.cryo_dataset_name === 'logs' ? logEventProblem(stream.event) : `only a logs stream decodes events, not ${stream.cryo_dataset_name}`;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: ['event'] });
    }
    if (stream.columns === undefined) return;
    for (const { field, message } of columnSelectionErrors(stream.cryo_dataset_name, stream.columns)) {
      ctx.addIssue({ code: 'custom', message, path: ['columns', field] });
    }
  });

/** Why `signature` cannot decode a stream's logs; undefined when it can. */
function logEventProblem(signature: string): string | undefined {
  try {
    parseLogEvent(signature);
    return undefined;
  } catch (err) {
    if (err instanceof LogEventError) return err.message;
    throw err;
  }
}

const FixedTarget = z
  .object({ kind: z.literal('fixed_target'), from_block: blockNumber, to_block: blockNumber })
  .strict()
  .refine((m) => m.to_block > m.from_block, { message: 'to_block (end-exclusive) must be greater than from_block', path: ['to_block'] });

const FollowHead = z
  .object({
    kind: z.literal('follow_head'),
    from_block: blockNumber.default(0),
    tail_lag: z.number().int().nonnegative().default(0),
    head_poll_interval_seconds: z.number().positive().default(2),
    /**
     * A head block older than this (by its timestamp) means the node has stalled or fallen behind:
     * the stream's target holds (planning pauses) until a fresh head arrives, and status says so.
     * Absent: any head is followed.
     */
    max_head_age_seconds: z.number().positive().optional(),
  })
  .strict();

export const SyncJobSpecSchema = z
  .object({
    kind: z.literal('chain_sync'),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'letters, digits and _ . - only'),
    chain_id: z.number().int().positive(),
    mode: z.discriminatedUnion('kind', [FixedTarget, FollowHead]),
    streams: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), StreamSchema).refine((s) => Object.keys(s).length > 0, 'at least one stream'),
  })
  .strict();

export type SyncJobSpec = z.output<typeof SyncJobSpecSchema>;
export type SyncMode = SyncJobSpec['mode'];

export class SyncJobSpecError extends Error {
  override name = 'SyncJobSpecError';
}

/** Parses a chain_sync YAML file; errors name the field and its line. */
export function parseSyncJobSpec(text: string, source = 'job file'): SyncJobSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new SyncJobSpecError(`${source}: not valid YAML at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  const result = SyncJobSpecSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const reasons = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    let node: unknown;
    for (let depth = path.length; depth >= 0 && !isNode(node); depth--) node = doc.getIn(path.slice(0, depth), true);
    const offset = isNode(node) ? node.range?.[0] : undefined;
    const line = offset === undefined ? '' : ` (line ${lineCounter.linePos(offset).line})`;
    return `${path.join('.') || '(job)'}${line}: ${issue.message}`;
  });
  throw new SyncJobSpecError(`${source}: invalid chain_sync job: ${reasons.join('; ')}`);
}
