/**
 * A synthetic, Monad-shaped chain for the query benchmark, deterministic from a seed. A real devnet
 * cannot be seeded to 50,000 blocks quickly, so this models the same workload as `trace-lite
 * devnet` (drivers/devnet/workload.ts) without executing it:
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
 *
 * A range comes out as the JSON the ingest fetches from a node (fetched.ts), so the bench's record
 * batches are the ingest decoders' own.
 *
 * Simplifications, none visible to the analytics: undelegated stake returns to the delegator at
 * once (no Withdraw), priority fees go to the block author, hashes are random (not keccak of the
 * content) with the block number and index in their last bytes so they never collide.
 */
import { encodePacked, keccak256, toEventSelector, type AbiEvent, type Address, type Hash, type Hex, type RpcTransactionReceipt } from 'viem';
import { BLOCK_REWARD_WEI, MONAD_CHAIN_ID, MONAD_STAKING_ABI, STAKING_ADDRESS, STAKING_SELECTORS, SYSTEM_SENDER } from '../../drivers/devnet/monad.js';
import { PowerLaw, Random } from '../../drivers/devnet/random.js';
import { emptyRange, pushBlock, quantity, rpcReceipt, rpcTransaction, type RangeFetched, type SyntheticRpcTx, type SyntheticTx } from './fetched.js';

export interface ChainOptions {
  seed: number;
  blocks: number;
  /** Blocks per committed range (one file per dataset per range). */
  rangeBlocks: number;
  /** Balances of the top holders are read every `sampleStep` blocks (and at the last block). */
  sampleStep: number;
  accounts?: number;
  /** How many of the top native holders get a balances row at every sampled block. */
  trackedHolders?: number;
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
  /** Top holders at the last block, largest first, ties by address. */
  topToken: Array<{ address: Address; balance: bigint }>;
  topNative: Array<{ address: Address; balance: bigint }>;
  rows: { blocks: number; transactions: number; logs: number; balances: number };
}

export const CHAIN_ID = MONAD_CHAIN_ID;
export const VALIDATORS = 20;
const DEFAULT_ACCOUNTS = 300;
const DEFAULT_TRACKED = 10;
const GWEI = 1_000_000_000n;
const ETHER = 10n ** 18n;
/** Monad's epochs are 50,000 blocks. */
const EPOCH_BLOCKS = 50_000;
/** User transactions per block at the reference base fee. */
const TXS_PER_BLOCK = 20;
const REFERENCE_BASE_FEE = 50n * GWEI;
const MIN_BASE_FEE = GWEI;
/** EIP-1559 target: about what 20 user transactions and the reward use, so the base fee moves both ways. */
const TARGET_GAS = 1_100_000n;
const RESERVE_WEI = 10n * ETHER;
const GENESIS_TIMESTAMP = 1_735_689_600;

type UserKind = 'transfer' | 'tokenTransfer' | 'mint' | 'burn' | 'delegate' | 'undelegate';
const MIX: ReadonlyArray<readonly [UserKind, number]> = [
  ['transfer', 45],
  ['tokenTransfer', 30],
  ['mint', 3],
  ['burn', 3],
  ['delegate', 12],
  ['undelegate', 7],
];
const MIX_TOTAL = MIX.reduce((sum, [, w]) => sum + w, 0);

/** Gas used by kind, as the devnet measured them (drivers/devnet/workload.ts); limits add headroom. */
const GAS: Record<UserKind | 'reward' | 'addValidator' | 'deploy' | 'reverted', { used: bigint; limit: bigint }> = {
  transfer: { used: 21_000n, limit: 21_000n },
  tokenTransfer: { used: 51_675n, limit: 65_000n },
  mint: { used: 68_502n, limit: 85_000n },
  burn: { used: 33_732n, limit: 45_000n },
  delegate: { used: 85_638n, limit: 120_000n },
  undelegate: { used: 153_290n, limit: 200_000n },
  reward: { used: 107_256n, limit: 130_000n },
  addValidator: { used: 305_435n, limit: 370_000n },
  deploy: { used: 453_003n, limit: 550_000n },
  reverted: { used: 24_318n, limit: 65_000n },
};

const event = (name: string): Hex => {
  const item = MONAD_STAKING_ABI.find((e) => e.type === 'event' && e.name === name) as AbiEvent | undefined;
  if (!item) throw new Error(`MONAD_STAKING_ABI has no event ${name}`);
  return toEventSelector(item);
};
/** topic0 of the events written here (staking events from Monad's ABI, as the devnet emits them). */
export const TOPICS = {
  transfer: toEventSelector('Transfer(address,address,uint256)'),
  validatorCreated: event('ValidatorCreated'),
  delegate: event('Delegate'),
  undelegate: event('Undelegate'),
  validatorRewarded: event('ValidatorRewarded'),
} as const;

const SELECTOR = {
  transfer: 'a9059cbb', // transfer(address,uint256)
  mint: '40c10f19', // mint(address,uint256)
  burn: '42966c68', // burn(uint256)
  delegate: STAKING_SELECTORS['delegate(uint64)']!.slice(2),
  undelegate: STAKING_SELECTORS['undelegate(uint64,uint256,uint8)']!.slice(2),
  addValidator: STAKING_SELECTORS['addValidator(bytes,bytes,bytes)']!.slice(2),
  reward: STAKING_SELECTORS['syscallReward(address)']!.slice(2),
} as const;

const lower = (address: Address): Address => `0x${address.slice(2).toLowerCase()}`;
const STAKING = lower(STAKING_ADDRESS);
const SYSTEM = lower(SYSTEM_SENDER);
const ZERO_ADDRESS: Address = `0x${'00'.repeat(20)}`;
const ZERO_HASH: Hash = `0x${'00'.repeat(32)}`;
/** A fixed stand-in for the token's creation code (what the deploy transaction carries). */
const DEPLOY_CODE: Hex = `0x608060405234801561001057600080fd5b50${'6080604052'.repeat(60)}${'00'.repeat(400)}`;

/** A 32-byte big-endian word, no 0x. */
const word = (value: bigint | number): string => value.toString(16).padStart(64, '0');
/** An address (0x…) left-padded to a 32-byte topic, 0x-prefixed. */
const addressTopic = (address: Address): Hex => `0x${'0'.repeat(24)}${address.slice(2)}`;
const hashBytes = Buffer.alloc(32);

/**
 * A hash-like 32 bytes: 24 random bytes from the block's PRNG, then two numbers that make it
 * unique. The draws happen whether or not the hash is wanted (`format` false while the state is
 * only being advanced), so every later draw of the block is the same either way.
 */
function randomHash(rng: Random, a: number, b: number, format = true): Hash {
  for (let i = 0; i < 6; i++) hashBytes.writeUInt32BE(rng.uint32(), i * 4);
  if (!format) return '0x';
  hashBytes.writeUInt32BE(a >>> 0, 24);
  hashBytes.writeUInt32BE(b >>> 0, 28);
  return `0x${hashBytes.toString('hex')}`;
}

function mixSeed(seed: number, block: number, salt: number): number {
  return (Math.imul(seed ^ salt, 0x9e3779b1) ^ Math.imul(block + 1, 0x85ebca6b)) >>> 0;
}

/** Chain state at the start of a block; cloned at each range start. */
interface State {
  native: bigint[];
  tokens: bigint[];
  nonces: number[];
  systemNonce: number;
  /** Stake by validator index 0..19 (id = index + 1). */
  validatorStake: bigint[];
  /** Stake by delegation key `validator * accounts + account`. */
  stakes: Map<number, bigint>;
  /** Delegation keys in order of first delegation (undelegations pick from these). */
  delegationKeys: number[];
  withdrawId: number;
  baseFee: bigint;
  nativeSupply: bigint;
  tokenSupply: bigint;
}

function cloneState(s: State): State {
  return {
    native: s.native.slice(),
    tokens: s.tokens.slice(),
    nonces: s.nonces.slice(),
    systemNonce: s.systemNonce,
    validatorStake: s.validatorStake.slice(),
    stakes: new Map(s.stakes),
    delegationKeys: s.delegationKeys.slice(),
    withdrawId: s.withdrawId,
    baseFee: s.baseFee,
    nativeSupply: s.nativeSupply,
    tokenSupply: s.tokenSupply,
  };
}

/** Where a block's rows go; null while only the state is being advanced. */
type Rows = RangeFetched | null;

export class SyntheticChain {
  readonly seed: number;
  readonly blocks: number;
  readonly lastBlock: number;
  readonly rangeBlocks: number;
  readonly sampleStep: number;
  readonly addresses: Address[];
  readonly tokenAddress: Address;
  readonly genesisSupplyWei: bigint;
  private readonly senders: PowerLaw;
  private readonly receivers: PowerLaw;
  private readonly validatorChoice: PowerLaw;
  private readonly checkpoints = new Map<number, State>();
  private readonly tracked: Address[];
  private readonly truthValue: ChainTruth;
  /** Token owner: deploys the ERC-20 and mints. */
  private readonly owner: number;

  constructor(options: ChainOptions) {
    const accounts = options.accounts ?? DEFAULT_ACCOUNTS;
    if (accounts < VALIDATORS + 10) throw new RangeError(`need at least ${VALIDATORS + 10} accounts`);
    if (options.blocks < 3) throw new RangeError('need at least 3 blocks');
    this.seed = options.seed;
    this.blocks = options.blocks;
    this.lastBlock = options.blocks - 1;
    this.rangeBlocks = options.rangeBlocks;
    this.sampleStep = options.sampleStep;
    this.addresses = Array.from({ length: accounts }, (_, i): Address => `0x${keccak256(encodePacked(['string', 'uint32', 'uint32'], ['account', options.seed, i])).slice(-40)}`);
    this.tokenAddress = `0x${keccak256(encodePacked(['string', 'uint32'], ['token', options.seed])).slice(-40)}`;
    this.owner = VALIDATORS;
    this.senders = new PowerLaw(accounts, 1.0);
    this.receivers = new PowerLaw(accounts, 0.8);
    this.validatorChoice = new PowerLaw(VALIDATORS, 1.2);

    const genesisRng = new Random(mixSeed(options.seed, 0, 0x6e5e));
    const native = this.addresses.map((_, i) =>
      i < VALIDATORS ? 2_000_000n * ETHER : BigInt(Math.floor(genesisRng.logUniform(50, 200_000))) * ETHER,
    );
    this.genesisSupplyWei = native.reduce((a, b) => a + b, 0n);
    const state: State = {
      native,
      tokens: this.addresses.map(() => 0n),
      nonces: this.addresses.map(() => 0),
      systemNonce: 0,
      validatorStake: Array.from({ length: VALIDATORS }, () => 0n),
      stakes: new Map(),
      delegationKeys: [],
      withdrawId: 0,
      baseFee: REFERENCE_BASE_FEE,
      nativeSupply: this.genesisSupplyWei,
      tokenSupply: 0n,
    };
    // One pass over the chain: checkpoints at range starts, the row counts and the final state.
    // Balances rows depend on the top native holders at the last block, known only afterwards,
    // so they are counted from the sampling rule rather than emitted here.
    this.tracked = [];
    const counts = { blocks: 0, transactions: 0, logs: 0 };
    for (let b = 0; b < this.blocks; b++) {
      if (b % this.rangeBlocks === 0) this.checkpoints.set(b, cloneState(state));
      const made = this.block(b, state, null);
      counts.blocks++;
      counts.transactions += made.transactions;
      counts.logs += made.logs;
    }
    const ranked = (values: bigint[]) =>
      this.addresses
        .map((address, i) => ({ address, balance: values[i]! }))
        .filter((h) => h.balance > 0n)
        .sort((x, y) => (x.balance === y.balance ? (x.address < y.address ? -1 : 1) : x.balance > y.balance ? -1 : 1));
    const topNative = ranked(state.native);
    this.tracked.push(...topNative.slice(0, options.trackedHolders ?? DEFAULT_TRACKED).map((h) => h.address));
    let sampled = 0;
    for (let b = 0; b < this.blocks; b++) if (this.isSampled(b)) sampled++;
    this.truthValue = {
      lastBlock: this.lastBlock,
      genesisSupplyWei: this.genesisSupplyWei,
      nativeSupplyWei: state.nativeSupply,
      tokenSupply: state.tokenSupply,
      stakes: state.validatorStake.slice(),
      topToken: ranked(state.tokens),
      topNative,
      rows: { ...counts, balances: (sampled - 1) * this.tracked.length + accounts },
    };
  }

  get truth(): ChainTruth {
    return this.truthValue;
  }

  /** Blocks whose balances are read: every sampleStep-th and the last (as the templates sample). */
  isSampled(block: number): boolean {
    return block % this.sampleStep === 0 || block === this.lastBlock;
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
    for (let b = start; b < Math.min(end, this.blocks); b++) {
      this.block(b, state, rows);
      if (this.isSampled(b)) this.sampleBalances(b, state, rows);
    }
    return rows;
  }

  /** `eth_getBalance` answers at block b. */
  private sampleBalances(b: number, state: State, rows: RangeFetched): void {
    const read = (address: Address, i: number): void => {
      rows.balances.balances.push({ block: b, address, balance: quantity(state.native[i]!) });
    };
    if (b === this.lastBlock) {
      this.addresses.forEach(read);
      return;
    }
    for (const address of this.tracked) read(address, this.addresses.indexOf(address));
  }

  private blockHash(b: number): Hash {
    return randomHash(new Random(mixSeed(this.seed, b, 0xb10c)), b, 0xffffffff);
  }

  /** Advances `state` over block b and appends its rows (if `rows`); returns how many it made. */
  private block(b: number, state: State, rows: Rows): { transactions: number; logs: number } {
    const hash = rows === null ? '0x' : this.blockHash(b);
    const timestamp = GENESIS_TIMESTAMP + Math.floor((b * 2) / 5); // ~0.4 s blocks
    if (b === 0) {
      if (rows) pushBlock(rows, { number: 0, hash, parentHash: ZERO_HASH, timestamp, author: ZERO_ADDRESS, gasUsed: 0n, baseFee: state.baseFee }, [], []);
      return { transactions: 0, logs: 0 };
    }
    const rng = new Random(mixSeed(this.seed, b, 0x7a11));
    const baseFee = state.baseFee;
    const epoch = BigInt(Math.floor(b / EPOCH_BLOCKS));
    const ctx: BlockContext = { b, hash, rng, state, rows, baseFee, epoch, txIndex: 0, logIndex: 0, gasUsed: 0n, transactions: [], receipts: [] };
    // Authors are validators drawn by stake at block start; block 1 has none yet and is the first one's.
    const authorIndex = b === 1 ? 0 : this.drawAuthor(rng, state);
    const author = this.addresses[authorIndex]!;
    if (b === 1) {
      this.setupBlock(ctx);
    } else {
      this.reward(ctx, authorIndex);
      // Demand falls as the base fee rises above the reference, and rises below it.
      const demand = Math.sqrt(Number(REFERENCE_BASE_FEE) / Number(baseFee));
      const count = Math.max(4, Math.min(40, Math.round(TXS_PER_BLOCK * demand * (0.75 + 0.5 * rng.next()))));
      for (let i = 0; i < count; i++) this.userTx(ctx, authorIndex);
    }
    if (b === 1) this.reward(ctx, authorIndex);
    if (rows) pushBlock(rows, { number: b, hash, parentHash: this.blockHash(b - 1), timestamp, author, gasUsed: ctx.gasUsed, baseFee }, ctx.transactions, ctx.receipts);
    // EIP-1559: ±12.5 % at most, toward the target.
    const next = baseFee + (baseFee * (ctx.gasUsed - TARGET_GAS)) / TARGET_GAS / 8n;
    state.baseFee = next < MIN_BASE_FEE ? MIN_BASE_FEE : next;
    return { transactions: ctx.txIndex, logs: ctx.logIndex };
  }

  private drawAuthor(rng: Random, state: State): number {
    const weights = state.validatorStake.map(Number);
    const total = weights.reduce((a, b) => a + b, 0);
    let u = rng.next() * total;
    for (let v = 0; v < weights.length; v++) {
      u -= weights[v]!;
      if (u < 0) return v;
    }
    return weights.length - 1;
  }

  /** Block 1: the validators are created (each with its own initial stake) and the token deployed. */
  private setupBlock(ctx: BlockContext): void {
    const { rng, state } = ctx;
    for (let v = 0; v < VALIDATORS; v++) {
      const amount = BigInt(Math.floor(rng.logUniform(50_000, 1_000_000))) * ETHER;
      const commission = BigInt(rng.int(11)) * 10n ** 16n; // 0–10 %
      // addValidator(payload, signedSecpMessage, signedBlsMessage); payload = secp key (33) ‖ BLS
      // key (48) ‖ auth address (20) ‖ amount (32) ‖ commission (32), as Monad's precompile reads it.
      const payload = `02${'11'.repeat(32)}${'22'.repeat(48)}${this.addresses[v]!.slice(2)}${word(amount)}${word(commission)}`;
      const args =
        `${word(96)}${word(320)}${word(448)}` +
        `${word(165)}${payload.padEnd(384, '0')}${word(65)}${'33'.repeat(65).padEnd(192, '0')}${word(96)}${'44'.repeat(96)}`;
      const input: Hex = `0x${SELECTOR.addValidator}${args}`;
      const tx = this.tx(ctx, v, STAKING, amount, input, GAS.addValidator, true, 0);
      if (!tx) continue;
      state.validatorStake[v]! += amount;
      this.addStake(state, v, v, amount);
      const id = BigInt(v + 1);
      this.log(ctx, tx, STAKING, [TOPICS.validatorCreated, `0x${word(id)}`, addressTopic(this.addresses[v]!)], word(commission));
      this.log(ctx, tx, STAKING, [TOPICS.delegate, `0x${word(id)}`, addressTopic(this.addresses[v]!)], word(amount) + word(ctx.epoch + 1n));
    }
    this.tx(ctx, this.owner, null, 0n, DEPLOY_CODE, GAS.deploy, true, 0);
  }

  /** Monad's block reward: syscallReward(author) from the system sender, minting 25 MON into the precompile. */
  private reward(ctx: BlockContext, authorIndex: number): void {
    const { state } = ctx;
    const author = this.addresses[authorIndex]!;
    const hash = randomHash(ctx.rng, ctx.b, ctx.txIndex, ctx.rows !== null);
    const tx: SyntheticTx = {
      block: ctx.b,
      blockHash: ctx.hash,
      index: ctx.txIndex++,
      hash,
      nonce: state.systemNonce++,
      from: SYSTEM,
      to: STAKING,
      value: BLOCK_REWARD_WEI,
      input: `0x${SELECTOR.reward}${'0'.repeat(24)}${author.slice(2)}`,
      gasLimit: GAS.reward.limit,
      gasUsed: GAS.reward.used,
      gasPrice: ctx.baseFee,
      maxPriorityFee: 0n,
      maxFee: ctx.baseFee * 2n,
      success: true,
    };
    this.include(ctx, tx);
    // Minted, and the system sender pays the base fee like anyone (as on the devnet: EIP-1559, no tip).
    state.nativeSupply += BLOCK_REWARD_WEI - tx.gasUsed * ctx.baseFee;
    this.log(ctx, tx, STAKING, [TOPICS.validatorRewarded, `0x${word(authorIndex + 1)}`, addressTopic(SYSTEM)], word(BLOCK_REWARD_WEI) + word(ctx.epoch));
  }

  private userTx(ctx: BlockContext, authorIndex: number): void {
    const { rng, state } = ctx;
    let pick = rng.int(MIX_TOTAL);
    let kind: UserKind = 'transfer';
    for (const [k, w] of MIX) {
      if (pick < w) {
        kind = k;
        break;
      }
      pick -= w;
    }
    const from = this.senders.sample(rng);
    const fraction = rng.next();
    const other = this.receivers.sample(rng);
    const share = rng.next();
    const validator = this.validatorChoice.sample(rng);
    const revert = rng.chance(0.01);
    switch (kind) {
      case 'transfer': {
        const to = other === from ? (other + 1) % this.addresses.length : other;
        const spendable = state.native[from]! - RESERVE_WEI - GAS.transfer.limit * this.maxFee(ctx);
        if (spendable <= 0n) return;
        const value = (spendable * BigInt(Math.floor(1 + fraction * 50_000_000))) / 1_000_000_000n; // ≤ 5 %
        const tx = this.tx(ctx, from, this.addresses[to]!, value, '0x', GAS.transfer, true, authorIndex);
        if (tx) state.native[to]! += value;
        return;
      }
      case 'tokenTransfer': {
        if (state.tokens[from] === 0n) return this.mint(ctx, from, fraction, authorIndex);
        const to = other === from ? (other + 1) % this.addresses.length : other;
        const amount = (state.tokens[from]! * BigInt(Math.floor(1 + fraction * 300_000_000))) / 1_000_000_000n;
        if (amount === 0n) return;
        const input: Hex = `0x${SELECTOR.transfer}${'0'.repeat(24)}${this.addresses[to]!.slice(2)}${word(amount)}`;
        if (revert) {
          this.tx(ctx, from, this.tokenAddress, 0n, input, GAS.reverted, false, authorIndex);
          return;
        }
        const tx = this.tx(ctx, from, this.tokenAddress, 0n, input, GAS.tokenTransfer, true, authorIndex);
        if (!tx) return;
        state.tokens[from]! -= amount;
        state.tokens[to]! += amount;
        this.log(ctx, tx, this.tokenAddress, [TOPICS.transfer, addressTopic(this.addresses[from]!), addressTopic(this.addresses[to]!)], word(amount));
        return;
      }
      case 'mint':
        return this.mint(ctx, other, fraction, authorIndex);
      case 'burn': {
        const amount = (state.tokens[from]! * BigInt(Math.floor(fraction * 500_000_000))) / 1_000_000_000n;
        if (amount === 0n) return;
        const tx = this.tx(ctx, from, this.tokenAddress, 0n, `0x${SELECTOR.burn}${word(amount)}`, GAS.burn, true, authorIndex);
        if (!tx) return;
        state.tokens[from]! -= amount;
        state.tokenSupply -= amount;
        this.log(ctx, tx, this.tokenAddress, [TOPICS.transfer, addressTopic(this.addresses[from]!), addressTopic(ZERO_ADDRESS)], word(amount));
        return;
      }
      case 'delegate': {
        const spendable = state.native[from]! - RESERVE_WEI - GAS.delegate.limit * this.maxFee(ctx);
        if (spendable <= 0n) return;
        const amount = (spendable * BigInt(Math.floor(1 + fraction * 20_000_000))) / 1_000_000_000n; // ≤ 2 %
        const id = BigInt(validator + 1);
        const tx = this.tx(ctx, from, STAKING, amount, `0x${SELECTOR.delegate}${word(id)}`, GAS.delegate, true, authorIndex);
        if (!tx) return;
        state.validatorStake[validator]! += amount;
        this.addStake(state, validator, from, amount);
        this.log(ctx, tx, STAKING, [TOPICS.delegate, `0x${word(id)}`, addressTopic(this.addresses[from]!)], word(amount) + word(ctx.epoch + 1n));
        return;
      }
      case 'undelegate': {
        if (state.delegationKeys.length === 0) return;
        const key = state.delegationKeys[Math.floor(fraction * state.delegationKeys.length)]!;
        const stake = state.stakes.get(key) ?? 0n;
        const v = Math.floor(key / this.addresses.length);
        const delegator = key % this.addresses.length;
        // Validators keep their own stake; delegators take out 10–100 % of theirs.
        if (stake === 0n || delegator === v) return;
        const amount = (stake * BigInt(100 + Math.floor(share * 900))) / 1000n;
        if (amount === 0n) return;
        const withdrawId = state.withdrawId;
        const id = BigInt(v + 1);
        const input: Hex = `0x${SELECTOR.undelegate}${word(id)}${word(amount)}${word(withdrawId)}`;
        const tx = this.tx(ctx, delegator, STAKING, 0n, input, GAS.undelegate, true, authorIndex);
        if (!tx) return;
        state.withdrawId = (withdrawId + 1) % 256;
        state.validatorStake[v]! -= amount;
        state.stakes.set(key, stake - amount);
        state.native[delegator]! += amount; // withdrawn at once (no Withdraw modelled)
        this.log(ctx, tx, STAKING, [TOPICS.undelegate, `0x${word(id)}`, addressTopic(this.addresses[delegator]!)], word(withdrawId) + word(amount) + word(ctx.epoch + 1n));
        return;
      }
    }
  }

  private mint(ctx: BlockContext, to: number, fraction: number, authorIndex: number): void {
    const amount = BigInt(Math.floor(10 + fraction * 99_990)) * ETHER;
    const input: Hex = `0x${SELECTOR.mint}${'0'.repeat(24)}${this.addresses[to]!.slice(2)}${word(amount)}`;
    const tx = this.tx(ctx, this.owner, this.tokenAddress, 0n, input, GAS.mint, true, authorIndex);
    if (!tx) return;
    ctx.state.tokens[to]! += amount;
    ctx.state.tokenSupply += amount;
    this.log(ctx, tx, this.tokenAddress, [TOPICS.transfer, addressTopic(ZERO_ADDRESS), addressTopic(this.addresses[to]!)], word(amount));
  }

  private addStake(state: State, validator: number, account: number, amount: bigint): void {
    const key = validator * this.addresses.length + account;
    const seen = state.stakes.get(key);
    if (seen === undefined) state.delegationKeys.push(key);
    state.stakes.set(key, (seen ?? 0n) + amount);
  }

  private maxFee(ctx: BlockContext): bigint {
    return ctx.baseFee * 2n + 2n * GWEI;
  }

  /**
   * A type-2 user transaction from account `from`: charges gas (base fee burned, tip to the
   * author when `authorIndex` is given) and the value, and appends its row; undefined (nothing
   * happens) when the sender cannot pay.
   */
  private tx(
    ctx: BlockContext,
    from: number,
    to: Address | null,
    value: bigint,
    input: Hex,
    gas: { used: bigint; limit: bigint },
    success: boolean,
    authorIndex?: number,
  ): SyntheticTx | undefined {
    const { state, rng } = ctx;
    const tip = GWEI * BigInt(1 + rng.int(3));
    const maxFee = ctx.baseFee * 2n + tip;
    const hash = randomHash(rng, ctx.b, ctx.txIndex, ctx.rows !== null);
    if (state.native[from]! < value + gas.limit * maxFee) return undefined;
    const price = ctx.baseFee + tip;
    state.native[from]! -= gas.used * price + (success ? value : 0n);
    if (authorIndex !== undefined) state.native[authorIndex]! += gas.used * tip;
    state.nativeSupply -= gas.used * ctx.baseFee;
    const tx: SyntheticTx = {
      block: ctx.b,
      blockHash: ctx.hash,
      index: ctx.txIndex++,
      hash,
      nonce: state.nonces[from]!++,
      from: this.addresses[from]!,
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
    this.include(ctx, tx);
    return tx;
  }

  /** Adds the transaction's gas to the block and, when rows are wanted, the transaction and its receipt. */
  private include(ctx: BlockContext, tx: SyntheticTx): void {
    ctx.gasUsed += tx.gasUsed;
    if (!ctx.rows) return;
    ctx.transactions.push(rpcTransaction(tx, CHAIN_ID));
    ctx.receipts.push(rpcReceipt(tx, ctx.gasUsed));
  }

  /** An `eth_getLogs` entry of the transaction. */
  private log(ctx: BlockContext, tx: SyntheticTx, address: Address, topics: [Hex, ...Hex[]], dataHex: string): void {
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
}

interface BlockContext {
  b: number;
  hash: Hash;
  rng: Random;
  state: State;
  rows: Rows;
  baseFee: bigint;
  epoch: bigint;
  txIndex: number;
  logIndex: number;
  gasUsed: bigint;
  /** The block's transactions and receipts so far (only while rows are wanted). */
  transactions: SyntheticRpcTx[];
  receipts: RpcTransactionReceipt[];
}
