import type { BlockHashes } from '../../drivers/chain/datasets.js';
import type { PgClient } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';

const SQL = loadStatements('state/blocks.sql', ['recordBlockHashes', 'forkedBlocks', 'forgetBlockHashesFrom'] as const);

/** A range read from another fork than a committed range saw: nothing of it is registered. */
export class ForkMismatchError extends Error {
  override name = 'ForkMismatchError';
  constructor(chainId: number, blocks: readonly string[]) {
    super(`chain ${chainId} block(s) ${blocks.join(', ')} were read with another hash than a committed range saw (a reorg): the range is read again`);
  }
}

/**
 * In a commit's transaction: records the hashes a range was read at and refuses the commit when a
 * committed range saw another hash for one of its blocks. Whichever of the two is stale, the tip
 * follower finds the recorded hash that the node no longer has and invalidates from there.
 */
export async function recordBlockHashes(client: PgClient, chainId: number, hashes: BlockHashes): Promise<void> {
  if (hashes.length === 0) return;
  const params = [chainId, hashes.map(([n]) => n), hashes.map(([, h]) => Buffer.from(h.slice(2), 'hex'))];
  await client.query(SQL.recordBlockHashes, params);
  const forked = (await client.query<{ block_number: string }>(SQL.forkedBlocks, params)).rows;
  if (forked.length > 0) throw new ForkMismatchError(chainId, forked.map((r) => r.block_number));
}

/** Forgets the recorded hashes of chain `chainId` from `fromBlock` on (a reorg replaced those blocks). */
export async function forgetBlockHashesFrom(client: PgClient, chainId: number, fromBlock: number): Promise<void> {
  await client.query(SQL.forgetBlockHashesFrom, [chainId, fromBlock]);
}
