/**
 * The staking precompile's side of the synthetic chain, in Monad's layouts: validators created
 * with their own stake (ValidatorCreated + Delegate), the block reward (syscallReward,
 * ValidatorRewarded), delegations (Delegate) and undelegations (Undelegate).
 */
import type { Hex } from 'viem';
import { BLOCK_REWARD_WEI } from '../../drivers/devnet/monad.js';
import { accountTx, addNative, emitLog, includeTx, maxUserFee, nextTxHash, type BlockContext } from './blockBuilder.js';
import { addressTopic, addressWord, SELECTOR, STAKING, SYSTEM, TOPICS, word } from './chainEncoding.js';
import { ETHER, GAS, RESERVE_WEI, VALIDATORS } from './chainParameters.js';
import type { ChainState } from './chainState.js';
import type { SyntheticTx } from './fetched.js';

function addStake(state: ChainState, accountCount: number, validator: number, account: number, amount: bigint): void {
  const key = validator * accountCount + account;
  const seen = state.stakes.get(key);
  if (seen === undefined) state.delegationKeys.push(key);
  state.stakes.set(key, (seen ?? 0n) + amount);
}

/** Block 1: every validator is created through addValidator, each with its own initial stake. */
export function createValidators(ctx: BlockContext): void {
  const { rng, state, accounts } = ctx;
  for (let v = 0; v < VALIDATORS; v++) {
    const amount = BigInt(Math.floor(rng.logUniform(50_000, 1_000_000))) * ETHER;
    const commission = BigInt(rng.int(11)) * 10n ** 16n; // 0–10 %
    // addValidator(payload, signedSecpMessage, signedBlsMessage); payload = secp key (33) ‖ BLS
    // key (48) ‖ auth address (20) ‖ amount (32) ‖ commission (32), as Monad's precompile reads it.
    const payload = `02${'11'.repeat(32)}${'22'.repeat(48)}${accounts.addresses[v]!.slice(2)}${word(amount)}${word(commission)}`;
    const args =
      `${word(96)}${word(320)}${word(448)}` +
      `${word(165)}${payload.padEnd(384, '0')}${word(65)}${'33'.repeat(65).padEnd(192, '0')}${word(96)}${'44'.repeat(96)}`;
    const input: Hex = `0x${SELECTOR.addValidator}${args}`;
    const tx = accountTx(ctx, v, STAKING, amount, input, GAS.addValidator, true, 0);
    if (!tx) continue;
    addNative(ctx, 'staking', amount);
    state.validatorStake[v]! += amount;
    addStake(state, accounts.addresses.length, v, v, amount);
    const id = BigInt(v + 1);
    emitLog(ctx, tx, STAKING, [TOPICS.validatorCreated, `0x${word(id)}`, addressTopic(accounts.addresses[v]!)], word(commission));
    emitLog(ctx, tx, STAKING, [TOPICS.delegate, `0x${word(id)}`, addressTopic(accounts.addresses[v]!)], word(amount) + word(ctx.epoch + 1n));
  }
}

/** Monad's block reward: syscallReward(author) from the system sender, minting 25 MON into the precompile. */
export function blockReward(ctx: BlockContext, authorIndex: number): void {
  const { state } = ctx;
  const author = ctx.accounts.addresses[authorIndex]!;
  const hash = nextTxHash(ctx);
  const tx: SyntheticTx = {
    block: ctx.b,
    blockHash: ctx.hash,
    index: ctx.txIndex++,
    hash,
    nonce: state.systemNonce++,
    from: SYSTEM,
    to: STAKING,
    value: BLOCK_REWARD_WEI,
    input: `0x${SELECTOR.reward}${addressWord(author)}`,
    gasLimit: GAS.reward.limit,
    gasUsed: GAS.reward.used,
    gasPrice: ctx.baseFee,
    maxPriorityFee: 0n,
    maxFee: ctx.baseFee * 2n,
    success: true,
  };
  includeTx(ctx, tx);
  // Minted, and the system sender pays the base fee like anyone (as on the devnet: EIP-1559, no tip).
  // The transaction moves the reward from the system sender to the precompile; the mint is a credit
  // to the system sender outside any transaction (as the devnet's), so no balance diff shows it.
  addNative(ctx, 'system', -(BLOCK_REWARD_WEI + tx.gasUsed * ctx.baseFee));
  addNative(ctx, 'staking', BLOCK_REWARD_WEI);
  state.systemBalance += BLOCK_REWARD_WEI;
  state.nativeSupply += BLOCK_REWARD_WEI - tx.gasUsed * ctx.baseFee;
  emitLog(ctx, tx, STAKING, [TOPICS.validatorRewarded, `0x${word(authorIndex + 1)}`, addressTopic(SYSTEM)], word(BLOCK_REWARD_WEI) + word(ctx.epoch));
}

/** Account `from` delegates up to 2 % of what it can spend to `validator`. */
export function delegate(ctx: BlockContext, from: number, fraction: number, validator: number, authorIndex: number): void {
  const { state, accounts } = ctx;
  const spendable = state.native[from]! - RESERVE_WEI - GAS.delegate.limit * maxUserFee(ctx);
  if (spendable <= 0n) return;
  const amount = (spendable * BigInt(Math.floor(1 + fraction * 20_000_000))) / 1_000_000_000n; // ≤ 2 %
  const id = BigInt(validator + 1);
  const tx = accountTx(ctx, from, STAKING, amount, `0x${SELECTOR.delegate}${word(id)}`, GAS.delegate, true, authorIndex);
  if (!tx) return;
  addNative(ctx, 'staking', amount);
  state.validatorStake[validator]! += amount;
  addStake(state, accounts.addresses.length, validator, from, amount);
  emitLog(ctx, tx, STAKING, [TOPICS.delegate, `0x${word(id)}`, addressTopic(accounts.addresses[from]!)], word(amount) + word(ctx.epoch + 1n));
}

/**
 * A delegation picked by `fraction` takes out 10–100 % (by `share`) of its stake; validators keep
 * their own. The stake returns to the delegator at once (no Withdraw modelled).
 */
export function undelegate(ctx: BlockContext, fraction: number, share: number, authorIndex: number): void {
  const { state, accounts } = ctx;
  if (state.delegationKeys.length === 0) return;
  const key = state.delegationKeys[Math.floor(fraction * state.delegationKeys.length)]!;
  const stake = state.stakes.get(key) ?? 0n;
  const v = Math.floor(key / accounts.addresses.length);
  const delegator = key % accounts.addresses.length;
  if (stake === 0n || delegator === v) return;
  const amount = (stake * BigInt(100 + Math.floor(share * 900))) / 1000n;
  if (amount === 0n) return;
  const withdrawId = state.withdrawId;
  const id = BigInt(v + 1);
  const input: Hex = `0x${SELECTOR.undelegate}${word(id)}${word(amount)}${word(withdrawId)}`;
  const tx = accountTx(ctx, delegator, STAKING, 0n, input, GAS.undelegate, true, authorIndex);
  if (!tx) return;
  state.withdrawId = (withdrawId + 1) % 256;
  state.validatorStake[v]! -= amount;
  state.stakes.set(key, stake - amount);
  addNative(ctx, 'staking', -amount);
  addNative(ctx, delegator, amount);
  emitLog(ctx, tx, STAKING, [TOPICS.undelegate, `0x${word(id)}`, addressTopic(accounts.addresses[delegator]!)], word(withdrawId) + word(amount) + word(ctx.epoch + 1n));
}
