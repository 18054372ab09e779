import { BatchBuilder } from '../../drivers/chain/arrow/batchBuilder.js';
import { CRYO_DEFAULT_SCHEMAS } from '../../drivers/datasets/arrowSchemas.js';
import { recordBatchesToIpcChunks } from '../../drivers/parquet/parquetWriter.js';
import { arrowToCopyText } from '../../drivers/postgres/copyText.js';
import type { Operator } from '../../actors/worker/operators/registry.js';
import type { JsonValue } from '../../actors/state/tasks/taskTypes.js';

/** A block hash that names the block and a content variant, so a rewrite is visible. */
export function blockHash(block: number, variant = 0): string {
  return `0x${block.toString(16).padStart(56, '0')}${variant.toString(16).padStart(8, '0')}`;
}

/**
 * Test operator: Cryo `blocks` rows for [start, end) of chain `chain_id` (hashes by blockHash with
 * `variant`), staged as Parquet on the pool and committed with the range's hot rows (`hot`, default
 * true) in the same transaction, as cryo_ingest commits them.
 */
export const writeBlocks: Operator = async ({ params, outputs, signal }) => {
  const start = Number(params.start);
  const end = Number(params.end);
  const chainId = Number(params.chain_id ?? 1);
  const batch = new BatchBuilder(CRYO_DEFAULT_SCHEMAS.blocks);
  const cols = {
    number: batch.uint32('block_number'),
    hash: batch.binary('block_hash'),
    timestamp: batch.uint32('timestamp'),
    author: batch.binary('author'),
    gasUsed: batch.uint64('gas_used'),
    extra: batch.binary('extra_data'),
    baseFee: batch.uint64('base_fee_per_gas'),
    chain: batch.uint64('chain_id'),
    parent: batch.binary('parent_hash'),
  };
  for (let b = start; b < end; b++) {
    cols.number.append(b);
    cols.hash.appendHex(blockHash(b, Number(params.variant ?? 0)), 32);
    cols.timestamp.append(1_700_000_000 + b);
    cols.author.appendHex(`0x${'ab'.repeat(20)}`, 20);
    cols.gasUsed.append(BigInt(21_000 * (b % 7)));
    cols.extra.appendHex('0x', 0);
    cols.baseFee.append(1_000_000_000n + BigInt(b));
    cols.chain.append(BigInt(chainId));
    cols.parent.appendHex(blockHash(Math.max(b - 1, 0)), 32);
  }
  const record = batch.finish();
  const key = outputs.stagingKey('blocks', chainId, start, end);
  const ipc = [...recordBatchesToIpcChunks([record])].map((chunk) => chunk.slice().buffer as ArrayBuffer);
  const written = await outputs.stageParquet(outputs.buckets.datasets, key, ipc, { signal });
  const hot = params.hot !== false;
  const result = await outputs.commitFile(
    { dataset: 'blocks', chainId, start, end, configHash: 'test', key, rows: written.rows, bytes: written.bytes },
    hot ? { hot: { dataset: 'blocks', chainId, start, end, copyText: arrowToCopyText([record]) } } : {},
  );
  return { key, rows: written.rows, registered: result.registered } as JsonValue;
};
