/**
 * The three analytics the run committed (the demo's DAG: total supply, top holders with their
 * history, stake by validator and over time), read back through the gateway's query API and
 * compared with the devnet's own answers at the same blocks: totalSupply()/balanceOf by eth_call,
 * Σ eth_getBalance over every funded account, getValidator(id).stake.
 */
import type { Address } from 'viem';
import { addr, big, int } from '../../../actors/query/resultCells.js';
import type { QueryResult } from '../../../actors/query/queryTypes.js';
import type { DevnetAnswers } from '../../../drivers/devnet/devnetAnswers.js';
import { OUTPUTS, sampledBlocks, type AnalyticsWindow } from '../../demo/analyticsRun.js';
import type { GatewayClient } from '../gatewayClient.js';
import { invariant, type Invariant } from './invariant.js';

type Rows = QueryResult['rows'];

/** The analytics invariants, by name: reported as not reached when the run never got to them. */
export const ANALYTICS_INVARIANTS = {
  supply: "total supply = the devnet's own",
  holders: "top holders and their history = the devnet's balanceOf / eth_getBalance",
  stake: "stake by validator = the devnet's getValidator(id).stake",
} as const;

export async function analyticsInvariants(api: GatewayClient, answers: DevnetAnswers, w: AnalyticsWindow & { token: string }): Promise<Invariant[]> {
  const read = async (dataset: string, order: string): Promise<Rows> => (await api.query({ sql: `SELECT * FROM ${dataset} ORDER BY ${order}` })).rows;
  const seen = await api.query({ template: 'seen_addresses', params: { chain_id: w.chainId, to_block: w.toBlock } });
  const funded = answers.fundedAddresses(seen.rows.map((r) => addr(r[0])));
  const blocks = sampledBlocks(w);
  return [await totalSupply(read, answers, blocks, funded), await topHolders(read, answers, w, blocks, funded), await stake(read, answers, w, blocks)];
}

type Read = (dataset: string, order: string) => Promise<Rows>;

async function totalSupply(read: Read, answers: DevnetAnswers, blocks: number[], funded: Address[]): Promise<Invariant> {
  const native = await read(OUTPUTS.nativeSupply, 'block_number');
  const erc20 = await read(OUTPUTS.erc20Supply, 'block_number');
  const problems = [...sampled('native supply', native, blocks), ...sampled('ERC-20 supply', erc20, blocks)];
  for (const [block, supply] of native) {
    const balances = await Promise.all(funded.map((a) => answers.nativeBalance(a, int(block))));
    const chain = balances.reduce((a, b) => a + b, 0n);
    if (big(supply) !== chain) problems.push(`native supply at block ${block}: ${supply}, chain Σ eth_getBalance ${chain}`);
  }
  for (const [block, supply] of erc20) {
    const chain = await answers.tokenTotalSupply(int(block));
    if (big(supply) !== chain) problems.push(`ERC-20 supply at block ${block}: ${supply}, chain totalSupply() ${chain}`);
  }
  const figure = `native at ${native.length} sampled blocks (Σ eth_getBalance over ${funded.length} accounts), ERC-20 at ${erc20.length} (totalSupply()); ${problems.length} differ`;
  return invariant(ANALYTICS_INVARIANTS.supply, figure, problems);
}

async function topHolders(read: Read, answers: DevnetAnswers, w: AnalyticsWindow, blocks: number[], funded: Address[]): Promise<Invariant> {
  const problems: string[] = [];
  const leaderboards = [
    { label: 'ERC-20', rows: await read(OUTPUTS.erc20Top, 'rank'), chain: await answers.topTokenHolders(w.toBlock, w.topN) },
    { label: 'native', rows: await read(OUTPUTS.nativeTop, 'rank'), chain: await answers.topNativeHolders(funded, w.toBlock, w.topN) },
  ];
  for (const { label, rows, chain } of leaderboards) {
    const ours = rows.map((r) => `${addr(r[1])} ${big(r[2])}`);
    const theirs = chain.map((h) => `${h.address} ${h.balance}`);
    if (ours.join() !== theirs.join()) problems.push(`${label} top ${w.topN} at block ${w.toBlock}: [${ours.join(', ')}], chain [${theirs.join(', ')}]`);
  }
  const histories = [
    { label: 'ERC-20', rows: await read(OUTPUTS.erc20History, 'block_number, address'), balance: (a: Address, b: number) => answers.tokenBalance(a, b) },
    { label: 'native', rows: await read(OUTPUTS.nativeHistory, 'block_number, address'), balance: (a: Address, b: number) => answers.nativeBalance(a, b) },
  ];
  for (const { label, rows, balance } of histories) {
    if (rows.length !== blocks.length * w.topN) problems.push(`${label} history has ${rows.length} points, expected ${blocks.length} blocks × ${w.topN} holders`);
    for (const [block, address, value] of rows) {
      const chain = await balance(addr(address), int(block));
      if (big(value) !== chain) problems.push(`${label} balance of ${address} at block ${block}: ${value}, chain ${chain}`);
    }
  }
  const points = histories.reduce((n, h) => n + h.rows.length, 0);
  const figure = `top ${w.topN} ERC-20 and native holders at block ${w.toBlock}, ${points} history points at ${blocks.length} sampled blocks; ${problems.length} differ`;
  return invariant(ANALYTICS_INVARIANTS.holders, figure, problems);
}

async function stake(read: Read, answers: DevnetAnswers, w: AnalyticsWindow, blocks: number[]): Promise<Invariant> {
  const problems: string[] = [];
  const atTip = await read(OUTPUTS.stake, 'validator_id');
  const chainAtTip = [...(await answers.validatorStakes(w.toBlock))].sort(([a], [b]) => a - b);
  const ours = atTip.map((r) => `${int(r[0])}:${big(r[1])}`).join(' ');
  const theirs = chainAtTip.map(([id, s]) => `${id}:${s}`).join(' ');
  if (ours !== theirs) problems.push(`stake at block ${w.toBlock}: ${ours}; chain getValidator: ${theirs}`);
  const history = await read(OUTPUTS.stakeHistory, 'block_number, validator_id');
  problems.push(...sampled('stake history', [...new Map(history.map((r) => [int(r[0]), r])).values()], blocks));
  for (const block of blocks) {
    const chain = await answers.validatorStakes(block);
    for (const [, id, value] of history.filter((r) => int(r[0]) === block)) {
      const expected = chain.get(int(id)) ?? 0n;
      if (big(value) !== expected) problems.push(`stake of validator ${id} at block ${block}: ${value}, chain ${expected}`);
    }
  }
  const figure = `${atTip.length} validators at block ${w.toBlock}, ${history.length} history points at ${blocks.length} sampled blocks; ${problems.length} differ`;
  return invariant(ANALYTICS_INVARIANTS.stake, figure, problems);
}

/** A problem when the rows' first column (the block) is not exactly the sampled blocks. */
function sampled(label: string, rows: Rows, blocks: number[]): string[] {
  const got = rows.map((r) => int(r[0])).join(',');
  return got === blocks.join(',') ? [] : [`${label} sampled blocks [${got}], expected [${blocks.join(',')}]`];
}
