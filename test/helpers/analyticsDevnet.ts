/**
 * The analytics tests' chain: a seeded Monad-like devnet (real anvil) synced through a real node
 * (Postgres, embedded S3) in a test file's before hook, in its own installation, and the chain's
 * own answers (eth_getBalance) the templates are compared with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Address } from 'viem';
import { DevnetAnswers } from '../../drivers/devnet/devnetAnswers.js';
import { startDevnet, type Devnet, type DevnetDescription } from '../../drivers/devnet/devnet.js';
import type { QueryService } from '../../actors/query/queryService.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import { addr } from './analyticsAnswers.js';
import { createInstallation, eventually } from './installation.js';
import { startNode, type TestNode } from './node.js';
import { embeddedObjects } from './objectStore.js';

const BLOCKS = 60;
const SEED = 7;
const quiet = (): void => {};

export interface AnalyticsDevnet {
  devnet: Devnet;
  d: DevnetDescription;
  /** The chain's own answers (eth_call, eth_getBalance at historic blocks). */
  answers: DevnetAnswers;
  node: TestNode;
  qs: QueryService;
  token: string;
  last: number;
}

/**
 * Registers the test file's before and after.always hooks that bring the synced devnet up and
 * down; returns what reads it (it fails the calling test if the setup did not come up).
 *
 * ava 7 refuses t.teardown() in hooks, and the test helpers register their cleanup that way: the
 * before hook hands them a stand-in, and after.always runs what they registered, newest first.
 */
export function useAnalyticsDevnet(): () => AnalyticsDevnet {
  const teardowns: Array<() => unknown> = [];
  const hookContext = { teardown: (fn: () => unknown) => void teardowns.push(fn) } as unknown as ExecutionContext;
  let dataDir = '';
  let setup: AnalyticsDevnet | undefined;

  test.before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'trace-analytics-'));
    const devnet = await startDevnet({ dataDir, blocks: BLOCKS, seed: SEED, log: quiet });
    teardowns.push(() => devnet.stop());
    const d = devnet.description;
    // total_supply_native's genesis_supply_wei defaults from this setting (`= config`). The node's
    // own data dir keeps its query cache apart from other test files' (they run in parallel).
    const inst = await createInstallation(hookContext, {
      retryBaseSeconds: 0.2,
      nativeGenesisSupplyWei: d.genesis_supply_wei,
      dataDir: path.join(dataDir, 'node'),
    });
    const { objects } = await embeddedObjects(hookContext, inst);
    const node = await startNode(hookContext, inst, { objects, env: { TRACE_RPC_POOL_DEVNET_URL: d.rpc_url } });
    const { jobId } = await node.rt.syncJobs.apply(
      parseSyncJobSpec(`kind: chain_sync
name: analytics
chain_id: ${d.chain_id}
mode: {kind: fixed_target, from_block: 0, to_block: ${d.last_block + 1}}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 16, max_inflight: 2}
  transactions: {cryo_dataset_name: transactions, rpc_pool: devnet, chunk_size: 16, max_inflight: 2}
  logs: {cryo_dataset_name: logs, rpc_pool: devnet, chunk_size: 16, max_inflight: 2}
  geth_balance_diffs: {cryo_dataset_name: geth_balance_diffs, rpc_pool: devnet, chunk_size: 16, max_inflight: 2}
`),
    );
    await eventually(async () => ((await node.rt.syncJobs.status(jobId)).complete ? true : undefined), 90_000, 'the sync to complete');
    setup = {
      devnet,
      d,
      answers: new DevnetAnswers(d),
      node,
      qs: await node.rt.query(),
      token: d.contracts.erc20.toLowerCase(),
      last: d.last_block,
    };
  });

  test.after.always(async () => {
    for (const fn of teardowns.reverse()) await fn();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  return () => {
    if (!setup) throw new Error('the devnet or the sync did not come up');
    return setup;
  };
}

/** Every address that can hold wei: the genesis accounts, the system sender, the contracts, every tx sender/recipient and block author. */
export async function fundedAddresses(s: AnalyticsDevnet): Promise<Address[]> {
  const seen = await s.qs.query({
    sql: `SELECT DISTINCT address FROM (
            SELECT from_address AS address FROM transactions
            UNION ALL SELECT to_address FROM transactions
            UNION ALL SELECT author FROM blocks
          ) WHERE address IS NOT NULL`,
  });
  return s.answers.fundedAddresses(seen.rows.map((r) => addr(r[0])));
}
