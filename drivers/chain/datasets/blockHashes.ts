/**
 * The block hashes a fetched range was read at. A commit records them, so a range read from a fork
 * that another range (of any dataset) has already seen replaced is refused, and the tip follower
 * compares them with the node to find reorgs whichever datasets a job syncs.
 */
import type { RpcBlockWithHashes } from '../fetch.js';
import type { RowCursor } from './rows.js';

/** [block number, lower-case 0x hash] for each block of a range. */
export type BlockHashes = [number, string][];

export function hashesOfBlocks(blocks: readonly Pick<RpcBlockWithHashes, 'number' | 'hash'>[]): BlockHashes {
  return blocks.map((b) => [Number(b.number), String(b.hash).toLowerCase()]);
}

/**
 * Fails the decode when an item (a log, a receipt) names another hash for its block than the
 * range's headers: the reads straddled a reorg, and the range is fetched again on retry.
 */
export function requireHeaderHash(at: RowCursor, headers: ReadonlyMap<number, string>, block: unknown, hash: unknown): void {
  const expected = headers.get(Number(block));
  if (expected === undefined || String(hash).toLowerCase() !== expected) {
    at.fail(`block hash ${String(hash)} differs from the header's ${String(expected)} (reorg between the reads)`);
  }
}
