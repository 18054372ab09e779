import test from 'ava';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { fetchBlocks } from '../../drivers/chain/fetch.js';
import { pauseAt } from '../../runtime/failpoints.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';
import { ANVIL_CHAIN_ID, DEV_ACCOUNTS, seedWorkload, startAnvil, TIP_FOLLOW_JOB } from '../helpers/anvil.js';

// Its own file: the failpoint it arms is process-wide, and ava runs a file's tests at once.
async function anvilCall(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

test('a range fetched from the old fork and held past the reorg never reaches queries', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  await seedWorkload(anvil.url, 4);
  const inst = await createInstallation(t, { retryBaseSeconds: 0.2 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_DEVNET_URL: anvil.url } });
  await node.rt.syncJobs.apply(parseSyncJobSpec(TIP_FOLLOW_JOB));
  const rpc = new RpcPool({ name: 'reference', url: anvil.url });
  const service = await node.rt.query();

  /** The transactions the Query Service serves (hot and cold) are exactly the node's canonical ones, up to its head. */
  const servesCanonical = async (): Promise<true | undefined> => {
    const tip = Number(await rpc.call('eth_blockNumber', undefined));
    const bodies = await fetchBlocks(rpc, { start: 0, end: tip + 1 }, false);
    const canonical = bodies.flatMap((b) => b.transactions as string[]).sort();
    const served = await service.query({ sql: 'SELECT transaction_hash FROM transactions ORDER BY transaction_hash' });
    const hashes = served.rows.map((r) => String(r[0]));
    return hashes.length === canonical.length && hashes.every((h, i) => h === canonical[i]) ? true : undefined;
  };
  await eventually(servesCanonical, 30_000, 'the follower to reach the head');
  const head = Number(await rpc.call('eth_blockNumber', undefined));

  // Hold the transactions range of the next block after it fetched that block from the fork that
  // is about to be replaced; let it commit once the reorg was found, while its re-planned successor
  // (fetched from the new fork) waits at the same point. Before, the stale attempt registered its
  // file first and the successor's commit found the range taken: queries served the replaced fork.
  const covers = (c: Record<string, unknown>) => c.dataset === 'transactions' && Number(c.start) <= head + 1 && Number(c.end) > head + 1;
  const stale = pauseAt('ingest.beforeCommit', { when: covers });
  await anvilCall(anvil.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNTS[1], to: DEV_ACCOUNTS[2], value: '0x99' }]);
  const staleTask = String((await stale.reached).taskId);
  await anvilCall(anvil.url, 'anvil_reorg', [1, [[{ from: DEV_ACCOUNTS[3], to: DEV_ACCOUNTS[4], value: '0x1234' }, 0]]]);
  await eventually(async () => ((await inst.pool.query('SELECT 1 FROM reorgs')).rowCount ? true : undefined), 15_000, 'the reorg to be found');
  const successor = pauseAt('ingest.beforeCommit', { when: covers });
  await successor.reached;
  stale.release();
  await eventually(
    async () => ((await node.rt.tasks.reads.getTask(staleTask))?.status !== 'running' ? true : undefined),
    15_000,
    'the held attempt to end',
  );
  successor.release();

  await eventually(servesCanonical, 15_000, 'queries to serve the canonical chain');
  const versions = await node.rt.registry.listVersions('transactions', ANVIL_CHAIN_ID);
  t.true(versions.every((v, i) => i === 0 || Number(v.range_start) >= Number(versions[i - 1]!.range_end)), 'no overlapping versions');
  t.is((await node.rt.tasks.reads.getTask(staleTask))?.status, 'cancelled', 'the held attempt was cancelled by the reorg');
});
