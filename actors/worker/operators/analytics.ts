/**
 * Operators of the analytics: results are committed like any dataset (staged, then registered by
 * a fenced commit), so they are queryable as relations and survive retries exactly once.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JsonValue } from '../../state/tasks/taskTypes.js';
import type { QueryService } from '../../query/queryService.js';
import { isCryoDataset } from '../../../drivers/datasets/catalog.js';
import type { Operator } from './registry.js';

/** Reads per task: addresses × blocks eth_getBalance calls; a top-10 history over 1,000 samples is 10,000. */
const MAX_BALANCE_READS = 200_000;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x address');

const BalancesParams = z
  .object({
    chain_id: z.number().int().positive(),
    rpc_pool: z.string().min(1),
    /**
     * The addresses to read: a list; 'seen', every address the synced datasets hold up to the last
     * block; or the native top holders at a block (from the balances read there before).
     */
    addresses: z.union([
      z.array(address).min(1),
      z.literal('seen'),
      z.object({ top_holders: z.number().int().positive(), block: z.number().int().nonnegative() }).strict(),
    ]),
    blocks: z.array(z.number().int().nonnegative()).min(1),
    network: z.string().optional(),
  })
  .strict();

/**
 * balances_backfill: `eth_getBalance` for an address set at a block set, fetched on the pool into
 * the Cryo `balances` dataset, committed as one version over [min block, max block + 1) whose
 * config hash names the set (overlapping backfills are separate versions; the relation dedupes).
 */
export const balancesBackfill: Operator = async ({ params, outputs, signal, query }) => {
  const p = BalancesParams.parse(params);
  const blocks = [...new Set(p.blocks)].sort((a, b) => a - b);
  const start = blocks[0]!;
  const end = blocks.at(-1)! + 1;
  const addresses = Array.isArray(p.addresses) ? p.addresses.map((a) => a.toLowerCase()) : await addressSet(await query(), p.chain_id, p.addresses, end - 1);
  if (addresses.length === 0) throw new Error('balances_backfill: the address set is empty (is the chain synced?)');
  const unique = [...new Set(addresses)].sort() as `0x${string}`[];
  if (unique.length * blocks.length > MAX_BALANCE_READS) {
    throw new RangeError(`balances_backfill: ${unique.length} addresses × ${blocks.length} blocks is over ${MAX_BALANCE_READS} reads; split the task`);
  }
  const configHash = `balances-${createHash('sha256').update(JSON.stringify({ addresses: unique, blocks })).digest('hex').slice(0, 16)}`;
  const key = outputs.stagingKey('balances', p.chain_id, start, end, p.network);
  const written = await outputs.ingestRange(
    key,
    { dataset: 'balances', chainId: p.chain_id, start, end, rpcPool: p.rpc_pool, hot: false, balances: { addresses: unique, blocks } },
    { signal },
  );
  const result = await outputs.commitFile({ dataset: 'balances', chainId: p.chain_id, start, end, configHash, key, rows: written.rows, bytes: written.bytes, sha256: written.sha256, etag: written.etag });
  return { rows: written.rows, addresses: unique.length, blocks: blocks.length, key, registered: result.registered };
};

async function addressSet(service: QueryService, chainId: number, set: 'seen' | { top_holders: number; block: number }, lastBlock: number): Promise<string[]> {
  const request =
    set === 'seen'
      ? { template: 'seen_addresses', params: { chain_id: chainId, to_block: lastBlock } }
      : { template: 'top_holders', params: { chain_id: chainId, token: 'native', n: set.top_holders, block: set.block } };
  const { columns, rows } = await service.query(request);
  const column = columns.findIndex((c) => c.name === 'address');
  return rows.map((r) => String(r[column]));
}

const DuckdbQueryParams = z
  .object({
    template: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    /** The output dataset's name; default the template's (one template may feed several outputs). */
    dataset: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).optional(),
  })
  .strict();

/**
 * duckdb_query: runs a stored template through the Query Service and commits its result as a
 * Parquet version of the dataset named after the template (or `dataset`), over the template's block window
 * ([from_block, to_block + 1), [block, block + 1), or [0, 1) without one). The config hash names
 * the bound parameters, so the same analytic with the same inputs registers once.
 */
export const duckdbQuery: Operator = async ({ params, outputs, query, signal }) => {
  const p = DuckdbQueryParams.parse(params);
  const service = await query();
  const bound = await service.bindTemplate(p.template, p.params);
  const download = await service.download({ template: p.template, params: bound }, 'parquet', { signal });
  const dataset = p.dataset ?? p.template;
  if (isCryoDataset(dataset)) throw new RangeError(`duckdb_query: ${dataset} is a chain dataset; name the output otherwise`);
  const chainId = Number(bound.chain_id ?? 0);
  const { start, end } = blockWindow(bound);
  const configHash = `query-${createHash('sha256').update(JSON.stringify({ template: p.template, bound })).digest('hex').slice(0, 16)}`;
  const key = outputs.stagingKey(dataset, chainId, start, end);
  const { etag } = await outputs.stage(outputs.buckets.datasets, key, download.body);
  const sha256 = createHash('sha256').update(download.body).digest('hex');
  const result = await outputs.commitFile({ dataset, chainId, start, end, configHash, key, rows: download.stats.rows, bytes: download.body.byteLength, sha256, etag });
  return { dataset, rows: download.stats.rows, key, registered: result.registered, params: bound } as JsonValue;
};

function blockWindow(bound: Record<string, number | string>): { start: number; end: number } {
  const block = (name: string): number | undefined => (typeof bound[name] === 'number' ? (bound[name] as number) : undefined);
  const at = block('block');
  if (at !== undefined) return { start: at, end: at + 1 };
  const to = block('to_block');
  if (to !== undefined) return { start: block('from_block') ?? 0, end: to + 1 };
  return { start: 0, end: 1 };
}
