/**
 * The ERC-20 side of the synthetic chain: the token's deploy, and mints, transfers (now and then
 * a reverted one) and burns with their Transfer logs.
 */
import type { Hex } from 'viem';
import { accountTx, emitLog, type BlockContext } from './blockBuilder.js';
import { addressTopic, addressWord, DEPLOY_CODE, SELECTOR, TOPICS, word, ZERO_ADDRESS } from './chainEncoding.js';
import { ETHER, GAS } from './chainParameters.js';

/** Block 1: the token owner deploys the ERC-20. */
export function deployToken(ctx: BlockContext): void {
  accountTx(ctx, ctx.accounts.owner, null, 0n, DEPLOY_CODE, GAS.deploy, true, 0);
}

/** The owner mints 10–100,000 tokens (by `fraction`) to account `to`. */
export function mintToken(ctx: BlockContext, to: number, fraction: number, authorIndex: number): void {
  const { accounts, state } = ctx;
  const amount = BigInt(Math.floor(10 + fraction * 99_990)) * ETHER;
  const input: Hex = `0x${SELECTOR.mint}${addressWord(accounts.addresses[to]!)}${word(amount)}`;
  const tx = accountTx(ctx, accounts.owner, accounts.tokenAddress, 0n, input, GAS.mint, true, authorIndex);
  if (!tx) return;
  state.tokens[to]! += amount;
  state.tokenSupply += amount;
  emitLog(ctx, tx, accounts.tokenAddress, [TOPICS.transfer, addressTopic(ZERO_ADDRESS), addressTopic(accounts.addresses[to]!)], word(amount));
}

/**
 * Account `from` sends up to 30 % of its tokens (by `fraction`) to account `to`; reverted when
 * `revert`. A sender without tokens is minted some instead.
 */
export function transferToken(ctx: BlockContext, from: number, to: number, fraction: number, revert: boolean, authorIndex: number): void {
  const { accounts, state } = ctx;
  if (state.tokens[from] === 0n) return mintToken(ctx, from, fraction, authorIndex);
  const amount = (state.tokens[from]! * BigInt(Math.floor(1 + fraction * 300_000_000))) / 1_000_000_000n;
  if (amount === 0n) return;
  const input: Hex = `0x${SELECTOR.transfer}${addressWord(accounts.addresses[to]!)}${word(amount)}`;
  if (revert) {
    accountTx(ctx, from, accounts.tokenAddress, 0n, input, GAS.reverted, false, authorIndex);
    return;
  }
  const tx = accountTx(ctx, from, accounts.tokenAddress, 0n, input, GAS.tokenTransfer, true, authorIndex);
  if (!tx) return;
  state.tokens[from]! -= amount;
  state.tokens[to]! += amount;
  emitLog(ctx, tx, accounts.tokenAddress, [TOPICS.transfer, addressTopic(accounts.addresses[from]!), addressTopic(accounts.addresses[to]!)], word(amount));
}

/** Account `from` burns up to 50 % of its tokens (by `fraction`). */
export function burnToken(ctx: BlockContext, from: number, fraction: number, authorIndex: number): void {
  const { accounts, state } = ctx;
  const amount = (state.tokens[from]! * BigInt(Math.floor(fraction * 500_000_000))) / 1_000_000_000n;
  if (amount === 0n) return;
  const tx = accountTx(ctx, from, accounts.tokenAddress, 0n, `0x${SELECTOR.burn}${word(amount)}`, GAS.burn, true, authorIndex);
  if (!tx) return;
  state.tokens[from]! -= amount;
  state.tokenSupply -= amount;
  emitLog(ctx, tx, accounts.tokenAddress, [TOPICS.transfer, addressTopic(accounts.addresses[from]!), addressTopic(ZERO_ADDRESS)], word(amount));
}
