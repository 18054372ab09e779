/**
 * One block of the synthetic chain as it is generated: its context (number, PRNG, state, fees,
 * running indices) and the steps every transaction takes: charging gas and value, adding it to
 * the block's gas, and (while rows are wanted) appending it, its receipt, its logs and its native
 * balance changes (the prestateTracer diff the geth_balance_diffs ingest decodes).
 */
import type { Address, Hash, Hex, RpcTransactionReceipt } from 'viem';
import type { PrestateDiff, TransactionTrace } from '../../drivers/chain/rpcSchema.js';
import type { Random } from '../../drivers/devnet/random.js';
import { CHAIN_ID, GWEI, type Gas } from './chainParameters.js';
import { STAKING, SYSTEM } from './chainEncoding.js';
import { randomHash } from './chainRandom.js';
import type { ChainAccounts, ChainState } from './chainState.js';
import { quantity, rpcReceipt, rpcTransaction, type RangeFetched, type SyntheticRpcTx, type SyntheticTx } from './fetched.js';

/** Where a block's rows go; null while only the state is being advanced. */
export type Rows = RangeFetched | null;

export interface BlockContext {
  accounts: ChainAccounts;
  b: number;
  hash: Hash;
  rng: Random;
  state: ChainState;
  rows: Rows;
  baseFee: bigint;
  epoch: bigint;
  txIndex: number;
  logIndex: number;
  gasUsed: bigint;
  /** The block's transactions and receipts so far (only while rows are wanted). */
  transactions: SyntheticRpcTx[];
  receipts: RpcTransactionReceipt[];
  /** The block's prestateTracer diffs so far, one per transaction (only while rows are wanted). */
  balanceTraces: TransactionTrace<PrestateDiff>[];
  /** Balance before and after of every address the transaction being built changed, in order of change. */
  txBalances: Map<Address, { before: bigint; after: bigint }>;
  /** geth_balance_diffs rows of the block so far (counted even while no rows are wanted). */
  balanceDiffRows: number;
}

/** Native balances a transaction moves: the accounts', the staking precompile's and the system sender's. */
export type NativeHolder = number | 'staking' | 'system';

function holderAddress(ctx: BlockContext, holder: NativeHolder): Address {
  return holder === 'staking' ? STAKING : holder === 'system' ? SYSTEM : ctx.accounts.addresses[holder]!;
}

/** Adds `delta` to a holder's balance within the transaction being built (recorded in its diff). */
export function addNative(ctx: BlockContext, holder: NativeHolder, delta: bigint): void {
  const { state } = ctx;
  const before = holder === 'staking' ? state.stakingBalance : holder === 'system' ? state.systemBalance : state.native[holder]!;
  const after = before + delta;
  if (holder === 'staking') state.stakingBalance = after;
  else if (holder === 'system') state.systemBalance = after;
  else state.native[holder] = after;
  const address = holderAddress(ctx, holder);
  const seen = ctx.txBalances.get(address);
  ctx.txBalances.set(address, { before: seen?.before ?? before, after });
}

/**
 * Closes the diff of the block's last transaction (called before the next one starts and at the
 * block's end): its changed balances as the prestateTracer's diff mode shows them (pre and post
 * balance of each), an empty diff for a transaction that changed none.
 */
export function closeBalanceDiff(ctx: BlockContext): void {
  const changed = [...ctx.txBalances].filter(([, c]) => c.before !== c.after);
  ctx.txBalances.clear();
  ctx.balanceDiffRows += changed.length;
  if (!ctx.rows) return;
  const quantityOf = (value: bigint): { balance: Hex } => ({ balance: quantity(value) });
  while (ctx.balanceTraces.length < ctx.transactions.length) {
    const tx = ctx.transactions[ctx.balanceTraces.length]!;
    const own = ctx.balanceTraces.length === ctx.transactions.length - 1 ? changed : [];
    const pre = Object.fromEntries(own.map(([address, c]) => [address, quantityOf(c.before)]));
    const post = Object.fromEntries(own.map(([address, c]) => [address, quantityOf(c.after)]));
    ctx.balanceTraces.push({ txHash: tx.hash, result: { pre, post } });
  }
}

/** The highest fee per gas a user transaction of the block may pay: what a sender must be able to cover. */
export function maxUserFee(ctx: BlockContext): bigint {
  return ctx.baseFee * 2n + 2n * GWEI;
}

/**
 * The hash of the block's next transaction (drawn from the block's PRNG whether or not rows are
 * wanted); the previous transaction is complete by then, so its balance diff is closed.
 */
export function nextTxHash(ctx: BlockContext): Hash {
  closeBalanceDiff(ctx);
  return randomHash(ctx.rng, ctx.b, ctx.txIndex, ctx.rows !== null);
}

/**
 * A type-2 transaction from account `from`: charges gas (base fee burned, tip to the author when
 * `authorIndex` is given) and the value, and appends its row; undefined (nothing happens) when
 * the sender cannot pay.
 */
export function accountTx(
  ctx: BlockContext,
  from: number,
  to: Address | null,
  value: bigint,
  input: Hex,
  gas: Gas,
  success: boolean,
  authorIndex?: number,
): SyntheticTx | undefined {
  const { state, rng } = ctx;
  const tip = GWEI * BigInt(1 + rng.int(3));
  const maxFee = ctx.baseFee * 2n + tip;
  const hash = nextTxHash(ctx);
  if (state.native[from]! < value + gas.limit * maxFee) return undefined;
  const price = ctx.baseFee + tip;
  addNative(ctx, from, -(gas.used * price + (success ? value : 0n)));
  if (authorIndex !== undefined) addNative(ctx, authorIndex, gas.used * tip);
  state.nativeSupply -= gas.used * ctx.baseFee;
  const tx: SyntheticTx = {
    block: ctx.b,
    blockHash: ctx.hash,
    index: ctx.txIndex++,
    hash,
    nonce: state.nonces[from]!++,
    from: ctx.accounts.addresses[from]!,
    to,
    value,
    input,
    gasLimit: gas.limit,
    gasUsed: gas.used,
    gasPrice: price,
    maxPriorityFee: tip,
    maxFee,
    success,
  };
  includeTx(ctx, tx);
  return tx;
}

/** Adds the transaction's gas to the block and, when rows are wanted, the transaction and its receipt. */
export function includeTx(ctx: BlockContext, tx: SyntheticTx): void {
  ctx.gasUsed += tx.gasUsed;
  if (!ctx.rows) return;
  ctx.transactions.push(rpcTransaction(tx, CHAIN_ID));
  ctx.receipts.push(rpcReceipt(tx, ctx.gasUsed));
}

/** An `eth_getLogs` entry of the transaction (counted even while no rows are wanted). */
export function emitLog(ctx: BlockContext, tx: SyntheticTx, address: Address, topics: [Hex, ...Hex[]], dataHex: string): void {
  const logIndex = ctx.logIndex++;
  ctx.rows?.logs.logs.push({
    blockNumber: quantity(ctx.b),
    blockHash: ctx.hash,
    transactionIndex: quantity(tx.index),
    logIndex: quantity(logIndex),
    transactionHash: tx.hash,
    address,
    topics,
    data: `0x${dataHex}`,
    removed: false,
  });
}
