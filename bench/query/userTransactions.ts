/**
 * One user transaction of the synthetic chain: its kind drawn from the mix, its sender,
 * counterparty and validator drawn by power laws, then a native transfer or the token or staking
 * call of that kind.
 */
import { accountTx, addNative, maxUserFee, type BlockContext } from './blockBuilder.js';
import { GAS, MIX, MIX_TOTAL, RESERVE_WEI, type UserKind } from './chainParameters.js';
import { delegate, undelegate } from './stakingTransactions.js';
import { burnToken, mintToken, transferToken } from './tokenTransactions.js';

function drawKind(ctx: BlockContext): UserKind {
  let pick = ctx.rng.int(MIX_TOTAL);
  for (const [kind, weight] of MIX) {
    if (pick < weight) return kind;
    pick -= weight;
  }
  return 'transfer';
}

/** Account `from` sends up to 5 % (by `fraction`) of what it can spend to account `to`. */
function transferNative(ctx: BlockContext, from: number, to: number, fraction: number, authorIndex: number): void {
  const { state } = ctx;
  const spendable = state.native[from]! - RESERVE_WEI - GAS.transfer.limit * maxUserFee(ctx);
  if (spendable <= 0n) return;
  const value = (spendable * BigInt(Math.floor(1 + fraction * 50_000_000))) / 1_000_000_000n; // ≤ 5 %
  const tx = accountTx(ctx, from, ctx.accounts.addresses[to]!, value, '0x', GAS.transfer, true, authorIndex);
  if (tx) addNative(ctx, to, value);
}

/** Appends one user transaction to the block (or nothing, when its sender cannot afford it). */
export function userTx(ctx: BlockContext, authorIndex: number): void {
  const { rng, accounts } = ctx;
  const kind = drawKind(ctx);
  const from = accounts.senders.sample(rng);
  const fraction = rng.next();
  const other = accounts.receivers.sample(rng);
  const share = rng.next();
  const validator = accounts.validatorChoice.sample(rng);
  const revert = rng.chance(0.01);
  /** The counterparty of a transfer: never the sender itself. */
  const to = other === from ? (other + 1) % accounts.addresses.length : other;
  switch (kind) {
    case 'transfer':
      return transferNative(ctx, from, to, fraction, authorIndex);
    case 'tokenTransfer':
      return transferToken(ctx, from, to, fraction, revert, authorIndex);
    case 'mint':
      return mintToken(ctx, other, fraction, authorIndex);
    case 'burn':
      return burnToken(ctx, from, fraction, authorIndex);
    case 'delegate':
      return delegate(ctx, from, fraction, validator, authorIndex);
    case 'undelegate':
      return undelegate(ctx, fraction, share, authorIndex);
  }
}
