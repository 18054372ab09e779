/**
 * A synthetic, Monad-shaped chain for the query benchmark, deterministic from a seed. A real devnet
 * cannot be seeded to 50,000 blocks quickly, so this models the same workload as `trace-lite
 * devnet` (drivers/devnet/plannedTx.ts) without executing it:
 *
 *   - block 0 is genesis (no transactions); block 1 creates 20 validators through the staking
 *     precompile's addValidator (ValidatorCreated + Delegate) and deploys the ERC-20;
 *   - every block from 1 on carries Monad's `syscallReward(author)` system transaction (from
 *     0x6f49…dc9e to 0x…1000, 25 MON, EIP-1559 without a tip as the devnet sends it), which
 *     emits ValidatorRewarded;
 *   - ~20 user transactions per block (demand falls as the EIP-1559 base fee rises): native
 *     transfers, ERC-20 transfers / mints / burns (Transfer logs), delegate / undelegate on the
 *     staking precompile (Delegate / Undelegate logs, Monad's layouts), now and then a reverted call;
 *   - senders are drawn by a power law over 300 accounts, validators by a power law over 20.
 *
 * Every row of a block comes from that block's own PRNG (seeded by seed and block number) and the
 * chain state at the block's start (balances, nonces, stakes, base fee). The state is checkpointed
 * at every range start in one pass over the chain, so any (dataset, range) can be generated on its
 * own, and the four datasets of a range agree with each other (same hashes, same transactions).
 * The native balances of the accounts, the staking precompile and the system sender are tracked
 * per transaction, so geth_balance_diffs holds every change a transaction makes; the block reward
 * is minted as the devnet mints it, by a credit to the system sender outside any transaction.
 *
 * A range comes out as the JSON the ingest fetches from a node (fetched.ts), so the bench's record
 * batches are the ingest decoders' own.
 *
 * Here: the one pass, the checkpoints and the blocks. The accounts and the state are in
 * chainState.ts, a block's transactions and logs in blockBuilder.ts, what they carry in
 * stakingTransactions.ts, tokenTransactions.ts and userTransactions.ts.
 *
 * Simplifications, none visible to the analytics: undelegated stake returns to the delegator at
 * once (no Withdraw), priority fees go to the block author, hashes are random (not keccak of the
 * content) with the block number and index in their last bytes so they never collide.
 */
import type { Address, Hash } from 'viem';
import { Random } from '../../drivers/devnet/random.js';
import { closeBalanceDiff, type BlockContext, type Rows } from './blockBuilder.js';
import { STAKING, SYSTEM, ZERO_ADDRESS, ZERO_HASH } from './chainEncoding.js';
import { EPOCH_BLOCKS, GENESIS_TIMESTAMP, MIN_BASE_FEE, REFERENCE_BASE_FEE, TARGET_GAS, TXS_PER_BLOCK, VALIDATORS } from './chainParameters.js';
import { mixSeed, randomHash } from './chainRandom.js';
import { chainAccounts, cloneState, genesisState, rankHolders, type ChainAccounts, type ChainState } from './chainState.js';
import { emptyRange, pushBlock, type RangeFetched } from './fetched.js';
import { blockReward, createValidators } from './stakingTransactions.js';
import { deployToken } from './tokenTransactions.js';
import { userTx } from './userTransactions.js';

export interface ChainOptions {
  seed: number;
  blocks: number;
  /** Blocks per committed range (one file per dataset per range). */
  rangeBlocks: number;
  /** The series analytics sample every `sampleStep` blocks (and the last block). */
  sampleStep: number;
  accounts?: number;
}

/** What the whole chain adds up to, for the benchmark's sanity checks of every analytic's answer. */
export interface ChainTruth {
  lastBlock: number;
  genesisSupplyWei: bigint;
  /** Genesis + minted block rewards − burned base fees, after the last block. */
  nativeSupplyWei: bigint;
  tokenSupply: bigint;
  /** Stake per validator id (1-based) after the last block. */
  stakes: bigint[];
  /** Top holders at the last block, largest first, ties by address (native: the precompile and the system sender too). */
  topToken: Array<{ address: Address; balance: bigint }>;
  topNative: Array<{ address: Address; balance: bigint }>;
  rows: { blocks: number; transactions: number; logs: number; geth_balance_diffs: number };
}

const DEFAULT_ACCOUNTS = 300;

export class SyntheticChain {
  readonly seed: number;
  readonly blocks: number;
  readonly lastBlock: number;
  readonly rangeBlocks: number;
  readonly sampleStep: number;
  readonly addresses: Address[];
  readonly tokenAddress: Address;
  readonly genesisSupplyWei: bigint;
  private readonly accounts: ChainAccounts;
  private readonly checkpoints = new Map<number, ChainState>();
  private readonly truthValue: ChainTruth;

  constructor(options: ChainOptions) {
    const accounts = options.accounts ?? DEFAULT_ACCOUNTS;
    if (accounts < VALIDATORS + 10) throw new RangeError(`need at least ${VALIDATORS + 10} accounts`);
    if (options.blocks < 3) throw new RangeError('need at least 3 blocks');
    this.seed = options.seed;
    this.blocks = options.blocks;
    this.lastBlock = options.blocks - 1;
    this.rangeBlocks = options.rangeBlocks;
    this.sampleStep = options.sampleStep;
    this.accounts = chainAccounts(options.seed, accounts);
    this.addresses = this.accounts.addresses;
    this.tokenAddress = this.accounts.tokenAddress;
    const state = genesisState(options.seed, this.accounts);
    this.genesisSupplyWei = state.nativeSupply;
    // One pass over the chain: checkpoints at range starts, the row counts and the final state.
    const counts = { blocks: 0, transactions: 0, logs: 0, geth_balance_diffs: 0 };
    for (let b = 0; b < this.blocks; b++) {
      if (b % this.rangeBlocks === 0) this.checkpoints.set(b, cloneState(state));
      const made = this.block(b, state, null);
      counts.blocks++;
      counts.transactions += made.transactions;
      counts.logs += made.logs;
      counts.geth_balance_diffs += made.balanceDiffs;
    }
    const topNative = rankHolders([...this.addresses, STAKING, SYSTEM], [...state.native, state.stakingBalance, state.systemBalance]);
    this.truthValue = {
      lastBlock: this.lastBlock,
      genesisSupplyWei: this.genesisSupplyWei,
      nativeSupplyWei: state.nativeSupply,
      tokenSupply: state.tokenSupply,
      stakes: state.validatorStake.slice(),
      topToken: rankHolders(this.addresses, state.tokens),
      topNative,
      rows: counts,
    };
  }

  get truth(): ChainTruth {
    return this.truthValue;
  }

  /** The ranges [start, end) of the chain, rangeBlocks each. */
  ranges(): Array<{ start: number; end: number }> {
    const out: Array<{ start: number; end: number }> = [];
    for (let start = 0; start < this.blocks; start += this.rangeBlocks) out.push({ start, end: Math.min(start + this.rangeBlocks, this.blocks) });
    return out;
  }

  /** The blocks [start, end) as the ingest would fetch them; start must be a range start. */
  fetched(start: number, end: number): RangeFetched {
    const checkpoint = this.checkpoints.get(start);
    if (!checkpoint) throw new RangeError(`${start} is not a range start (ranges are ${this.rangeBlocks} blocks)`);
    const state = cloneState(checkpoint);
    const rows = emptyRange();
    for (let b = start; b < Math.min(end, this.blocks); b++) this.block(b, state, rows);
    return rows;
  }

  private blockHash(b: number): Hash {
    return randomHash(new Random(mixSeed(this.seed, b, 0xb10c)), b, 0xffffffff);
  }

  /** Advances `state` over block b and appends its rows (if `rows`); returns how many it made. */
  private block(b: number, state: ChainState, rows: Rows): { transactions: number; logs: number; balanceDiffs: number } {
    const hash = rows === null ? '0x' : this.blockHash(b);
    const timestamp = GENESIS_TIMESTAMP + Math.floor((b * 2) / 5); // ~0.4 s blocks
    if (b === 0) {
      if (rows) pushBlock(rows, { number: 0, hash, parentHash: ZERO_HASH, timestamp, author: ZERO_ADDRESS, gasUsed: 0n, baseFee: state.baseFee }, [], [], []);
      return { transactions: 0, logs: 0, balanceDiffs: 0 };
    }
    const rng = new Random(mixSeed(this.seed, b, 0x7a11));
    const baseFee = state.baseFee;
    const epoch = BigInt(Math.floor(b / EPOCH_BLOCKS));
    const ctx: BlockContext = { accounts: this.accounts, b, hash, rng, state, rows, baseFee, epoch, txIndex: 0, logIndex: 0, gasUsed: 0n, transactions: [], receipts: [], balanceTraces: [], txBalances: new Map(), balanceDiffRows: 0 };
    // Authors are validators drawn by stake at block start; block 1 has none yet and is the first one's.
    const authorIndex = b === 1 ? 0 : drawAuthor(rng, state);
    const author = this.addresses[authorIndex]!;
    if (b === 1) {
      // The validators are created and the token deployed before the block's reward.
      createValidators(ctx);
      deployToken(ctx);
      blockReward(ctx, authorIndex);
    } else {
      blockReward(ctx, authorIndex);
      // Demand falls as the base fee rises above the reference, and rises below it.
      const demand = Math.sqrt(Number(REFERENCE_BASE_FEE) / Number(baseFee));
      const count = Math.max(4, Math.min(40, Math.round(TXS_PER_BLOCK * demand * (0.75 + 0.5 * rng.next()))));
      for (let i = 0; i < count; i++) userTx(ctx, authorIndex);
    }
    closeBalanceDiff(ctx);
    if (rows) pushBlock(rows, { number: b, hash, parentHash: this.blockHash(b - 1), timestamp, author, gasUsed: ctx.gasUsed, baseFee }, ctx.transactions, ctx.receipts, ctx.balanceTraces);
    // EIP-1559: ±12.5 % at most, toward the target.
    const next = baseFee + (baseFee * (ctx.gasUsed - TARGET_GAS)) / TARGET_GAS / 8n;
    state.baseFee = next < MIN_BASE_FEE ? MIN_BASE_FEE : next;
    return { transactions: ctx.txIndex, logs: ctx.logIndex, balanceDiffs: ctx.balanceDiffRows };
  }
}

/** A validator index drawn with probability proportional to its stake. */
function drawAuthor(rng: Random, state: ChainState): number {
  const weights = state.validatorStake.map(Number);
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let v = 0; v < weights.length; v++) {
    u -= weights[v]!;
    if (u < 0) return v;
  }
  return weights.length - 1;
}
