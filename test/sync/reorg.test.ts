import test from 'ava';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { canonicalHashes, fetchBlocks } from '../../drivers/chain/fetch.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { ANVIL_CHAIN_ID, DEV_ACCOUNTS, seedWorkload, startAnvil, TIP_FOLLOW_JOB } from '../helpers/anvil.js';

test('anvil_reorg at the tip: the follower re-ingests, and hot tables match the node canonical chain', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  await seedWorkload(anvil.url, 6);
  const inst = await createInstallation(t, { retryBaseSeconds: 0.2 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_DEVNET_URL: anvil.url } });
  const { jobId } = await node.rt.syncJobs.apply(parseSyncJobSpec(TIP_FOLLOW_JOB));
  const rpc = new RpcPool({ name: 'reference', url: anvil.url });

  /** Hot block hashes equal the node's for [0, head], and hot transactions equal the block bodies. */
  const matchesNode = async (): Promise<true | undefined> => {
    const tip = Number(await rpc.call('eth_blockNumber', undefined));
    const hot = await inst.pool.query<{ block_number: string; block_hash: Buffer }>(
      `SELECT block_number, block_hash FROM ${inst.schemas.data}.blocks ORDER BY block_number`,
    );
    if (hot.rows.length !== tip + 1) return undefined;
    const canonical = await canonicalHashes(rpc, hot.rows.map((r) => Number(r.block_number)));
    if (!hot.rows.every((r) => canonical.get(Number(r.block_number)) === `0x${r.block_hash.toString('hex')}`)) return undefined;
    const txs = await inst.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${inst.schemas.data}.transactions`);
    const bodies = await fetchBlocks(rpc, { start: 0, end: tip + 1 }, false);
    return Number(txs.rows[0]!.n) === bodies.reduce((n, b) => n + b.transactions.length, 0) ? true : undefined;
  };

  await eventually(matchesNode, 30_000, 'the follower to reach the head');
  const head = Number(await rpc.call('eth_blockNumber', undefined));
  const before = await inst.pool.query<{ block_hash: Buffer }>(`SELECT block_hash FROM ${inst.schemas.data}.blocks WHERE block_number = $1`, [head]);

  // Replace the last 3 blocks with a fork that carries one different transaction.
  const reorg = await fetch(anvil.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'anvil_reorg',
      params: [3, [[{ from: DEV_ACCOUNTS[3], to: DEV_ACCOUNTS[4], value: '0x1234' }, 0]]],
    }),
  });
  t.falsy(((await reorg.json()) as { error?: unknown }).error);

  await eventually(matchesNode, 30_000, 'hot tables to match the canonical chain after the reorg');
  const after = await inst.pool.query<{ block_hash: Buffer }>(`SELECT block_hash FROM ${inst.schemas.data}.blocks WHERE block_number = $1`, [head]);
  t.notDeepEqual(after.rows[0]!.block_hash, before.rows[0]!.block_hash, 'the tip block was rewritten');
  const reorgs = await inst.pool.query<{ job_id: string; from_block: string }>('SELECT job_id::text, from_block::text FROM reorgs');
  t.true(reorgs.rows.length >= 1);
  t.is(reorgs.rows[0]!.job_id, jobId);
  t.true(Number(reorgs.rows[0]!.from_block) >= head - 2 && Number(reorgs.rows[0]!.from_block) <= head, 'the reorg is found at its first changed block');
  const versions = await node.rt.registry.listVersions('blocks', ANVIL_CHAIN_ID);
  t.is(new Set(versions.map((v) => v.range_start)).size, versions.length, 'each range registered once after the rewrite');
});
