/**
 * The demo's analytics as one run (a DAG of tasks): each analytic is a duckdb_query task whose
 * result is committed as a dataset. The native-coin ones read the synced geth_balance_diffs (the demo
 * job syncs them), so no task reads balances first.
 */
import type { RunSpec } from '../../actors/state/tasks/runSpec.js';

export interface AnalyticsWindow {
  chainId: number;
  fromBlock: number;
  toBlock: number;
  /** Sampling step for the series (supply, balance history). */
  step: number;
  /** The ERC-20 to analyse, if any. */
  token: string | null;
  topN: number;
  topK: number;
  /** Native supply at genesis, in wei; the node's configured one (TRACE_NATIVE_GENESIS_SUPPLY_WEI) when omitted. */
  genesisSupplyWei?: string;
}

/** Output dataset names: one template may feed several outputs (native and ERC-20 holders). */
export const OUTPUTS = {
  nativeSupply: 'demo_native_supply',
  erc20Supply: 'demo_erc20_supply',
  nativeTop: 'demo_native_top_holders',
  nativeHistory: 'demo_native_holder_history',
  erc20Top: 'demo_erc20_top_holders',
  erc20History: 'demo_erc20_holder_history',
  stake: 'demo_stake_by_validator',
  stakeHistory: 'demo_stake_history',
  concentration: 'demo_stake_concentration',
} as const;

/** The blocks the series sample: every `step`-th of the window plus its last block (as the templates do). */
export function sampledBlocks(w: Pick<AnalyticsWindow, 'fromBlock' | 'toBlock' | 'step'>): number[] {
  const blocks: number[] = [];
  for (let b = w.fromBlock; b <= w.toBlock; b += w.step) blocks.push(b);
  if (blocks.at(-1) !== w.toBlock) blocks.push(w.toBlock);
  return blocks;
}

export function analyticsRunSpec(w: AnalyticsWindow): RunSpec {
  const chain = { chain_id: w.chainId };
  const series = { ...chain, from_block: w.fromBlock, to_block: w.toBlock, step: w.step };
  const query = (name: string, dataset: string, template: string, params: Record<string, unknown>, depends_on: string[] = []) => ({
    name,
    operator: 'duckdb_query',
    params: { template, dataset, params },
    depends_on,
  });
  const tasks: RunSpec['tasks'] = [
    query('native_supply', OUTPUTS.nativeSupply, 'total_supply_native', w.genesisSupplyWei === undefined ? series : { ...series, genesis_supply_wei: w.genesisSupplyWei }),
    query('native_top', OUTPUTS.nativeTop, 'top_holders', { ...chain, token: 'native', n: w.topN, block: w.toBlock }),
    query('native_history', OUTPUTS.nativeHistory, 'holder_balance_history', { ...series, token: 'native', n: w.topN }),
    query('stake', OUTPUTS.stake, 'stake_by_validator', { ...chain, block: w.toBlock }),
    query('stake_history', OUTPUTS.stakeHistory, 'stake_history', series),
    query('concentration', OUTPUTS.concentration, 'stake_concentration', { ...chain, block: w.toBlock, k: w.topK }),
  ];
  if (w.token !== null) {
    tasks.push(
      query('erc20_supply', OUTPUTS.erc20Supply, 'total_supply_erc20', { ...series, token: w.token }),
      query('erc20_top', OUTPUTS.erc20Top, 'top_holders', { ...chain, token: w.token, n: w.topN, block: w.toBlock }),
      query('erc20_history', OUTPUTS.erc20History, 'holder_balance_history', { ...series, token: w.token, n: w.topN }),
    );
  }
  return { name: `demo analytics ${w.fromBlock}-${w.toBlock}`, tasks };
}
