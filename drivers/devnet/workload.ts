/**
 * The devnet's deterministic workload: a pure planner (no RPC) that decides every user transaction
 * of every block from the seed and a local model of the chain.
 *
 * The model is conservative so that no planned transaction can fail: a sender may only spend what it
 * held at the start of the block minus what it already committed in this block (value + gas × max fee),
 * and whatever a block credits (transfers, mints, delegations, withdrawals) becomes spendable in the
 * next block. Amounts the model cannot know exactly (claimed rewards, priority fees paid to the block
 * author, the part of max fee not charged) only make real balances larger than modelled ones. So
 * transaction order inside a block never matters for validity.
 */
import { encodeDeployData, encodeFunctionData, encodePacked, getContractAddress, keccak256, parseEther, type Address, type Hex } from 'viem';
import { MonadStaking, TraceToken } from './contracts.generated.js';
import type { Genesis } from './genesis.js';
import { STAKING_ADDRESS } from './monad.js';
import { PowerLaw, Random } from './random.js';

export type TxKind =
  | 'deploy'
  | 'addValidator'
  | 'mint'
  | 'transfer'
  | 'tokenTransfer'
  | 'burn'
  | 'delegate'
  | 'undelegate'
  | 'withdraw'
  | 'claimRewards';

/**
 * Gas limits by kind: the most gas used in a 60-block run (comments) plus headroom for the worst case
 * (first-time storage writes at 22.1k each, cold accounts, value transfers: claimRewards hit 90k).
 */
const GAS_LIMIT: Record<TxKind, bigint> = {
  deploy: 550_000n, // 453,003
  addValidator: 370_000n, // 305,435
  mint: 85_000n, // 68,502
  transfer: 21_000n,
  tokenTransfer: 65_000n, // 51,675
  burn: 45_000n, // 33,732
  delegate: 120_000n, // 85,638
  undelegate: 200_000n, // 153,290
  withdraw: 70_000n, // 39,442
  claimRewards: 120_000n, // 90,000+
};
/** System transactions: syscallReward (107,256) and syscallOnEpochChange over 20 validators (1,069,580). */
export const REWARD_GAS = 130_000n;
export const EPOCH_CHANGE_GAS = 1_300_000n;
/** Random traffic mix, in relative weights. */
const MIX: ReadonlyArray<readonly [TxKind, number]> = [
  ['transfer', 50],
  ['tokenTransfer', 25],
  ['delegate', 8],
  ['undelegate', 4],
  ['claimRewards', 4],
  ['mint', 2],
  ['burn', 2],
];

export const VALIDATOR_COUNT = 20;
/** The validators' auth accounts, the token owner and a few others. */
export const MIN_ACCOUNTS = VALIDATOR_COUNT + 10;
/** Monad's epochs are 50,000 blocks; 10 here, so a 40-block run sees epoch changes and withdrawals. */
export const EPOCH_BLOCKS = 10;
/** Monad's WITHDRAWAL_DELAY: withdraw is allowed one epoch after the undelegation activates. */
const WITHDRAWAL_DELAY = 1;
/**
 * Block gas limit. User transactions average ~38k gas, so the EIP-1559 target (half the limit) is what
 * the default 40 per block use: the base fee moves both ways instead of decaying (at 5M it fell 73% in
 * 60 blocks). Monad's own limit is far larger; it does not matter to anything the devnet checks.
 */
export const BLOCK_GAS_LIMIT = 3_000_000n;
/** anvil's starting base fee; demand falls when the base fee is above it and rises below it. */
export const REFERENCE_BASE_FEE = 1_000_000_000n;
const DEFAULT_TXS_PER_BLOCK = 40;
/** Setup transactions (token deploy, airdrop mints, addValidator) per block until all are sent. */
const SETUP_TXS_PER_BLOCK = 12;
const AIRDROP_HOLDERS = 60;
/** Native balance a sender always keeps. */
const RESERVE_WEI = parseEther('10');
const COMMISSIONS_PERCENT = [0, 2, 5, 5, 8, 10, 10, 15];

export interface PlannedTx {
  kind: TxKind;
  /** Index into genesis.accounts. */
  from: number;
  /** Undefined for contract creation. */
  to: Address | undefined;
  data: Hex | undefined;
  value: bigint;
  nonce: number;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface PlannedBlock {
  number: number;
  /** Block author: the coinbase and the argument of syscallReward. Drawn with probability ∝ stake. */
  author: Address;
  /** The reward system transaction comes first, except in block 1 where the first validators are created. */
  rewardFirst: boolean;
  txs: PlannedTx[];
  /** Set on epoch boundaries: the epoch that the closing system transaction switches to. */
  newEpoch: bigint | undefined;
}

interface Validator {
  id: number;
  auth: number;
  stake: bigint;
  pendingStake: bigint;
}

interface Delegation {
  validator: Validator;
  account: number;
  /** Stake at block start minus what this block undelegates. */
  stake: bigint;
  pendingStake: bigint;
  usedWithdrawIds: Set<number>;
}

interface Withdrawal {
  delegation: Delegation;
  withdrawId: number;
  amount: bigint;
  readyEpoch: number;
  scheduled: boolean;
}

export class Workload {
  readonly tokenAddress: Address;
  /** Count of planned transactions by kind. */
  readonly counts: Record<TxKind, number> = {
    deploy: 0, addValidator: 0, mint: 0, transfer: 0, tokenTransfer: 0, burn: 0, delegate: 0, undelegate: 0, withdraw: 0, claimRewards: 0,
  };

  private readonly rng: Random;
  private readonly senders: PowerLaw;
  private readonly validatorChoice: PowerLaw;
  private readonly txsPerBlock: number;
  private readonly addresses: Address[];
  private readonly spendable: bigint[];
  private readonly tokens: bigint[];
  private readonly nonces: number[];
  private readonly credits = new Map<number, bigint>();
  private readonly tokenCredits = new Map<number, bigint>();
  private readonly validators: Validator[] = [];
  private readonly delegations = new Map<string, Delegation>();
  private readonly withdrawals: Withdrawal[] = [];
  private readonly setupQueue: Array<() => PlannedTx | undefined> = [];
  private readonly delegationList: Delegation[] = [];
  private epoch = 0;
  private maxFeeBase = 0n;
  private gasLeft = 0n;
  private txs: PlannedTx[] = [];

  constructor(genesis: Genesis, options: { seed: number; txsPerBlock?: number }) {
    const n = genesis.accounts.length;
    if (n < MIN_ACCOUNTS) throw new RangeError(`the devnet needs at least ${MIN_ACCOUNTS} accounts, got ${n}`);
    this.rng = new Random(options.seed);
    this.txsPerBlock = options.txsPerBlock ?? DEFAULT_TXS_PER_BLOCK;
    this.addresses = genesis.accounts.map((a) => a.account.address);
    this.spendable = genesis.accounts.map((a) => a.balance);
    this.tokens = genesis.accounts.map(() => 0n);
    this.nonces = genesis.accounts.map(() => 0);
    // Exponent 1.0 for senders: the top 10% of 300 accounts send about half the transactions.
    this.senders = new PowerLaw(n, 1.0);
    // Exponent 1.2 over validators: the top 3 of 20 get about half of the delegations.
    this.validatorChoice = new PowerLaw(VALIDATOR_COUNT, 1.2);
    // Account 0 deploys and owns the token; its first transaction (nonce 0) creates it.
    this.tokenAddress = getContractAddress({ from: this.addresses[0]!, nonce: 0n });
    this.planSetup(options.seed);
  }

  /** Ids of the validators created so far. */
  get validatorIds(): bigint[] {
    return this.validators.map((v) => BigInt(v.id));
  }

  /**
   * Plans block `number`. `baseFee` is the latest known base fee; max fees are twice it, which covers
   * the at most +12.5% per block that EIP-1559 allows between that header and inclusion.
   */
  planBlock(number: number, baseFee: bigint): PlannedBlock {
    this.maxFeeBase = baseFee * 2n;
    const newEpoch = number % EPOCH_BLOCKS === 0 ? BigInt(this.epoch + 1) : undefined;
    this.gasLeft = BLOCK_GAS_LIMIT - REWARD_GAS - (newEpoch === undefined ? 0n : EPOCH_CHANGE_GAS);
    this.txs = [];
    // The reward runs first, so the author is drawn from the stake at block start. Block 1 has no
    // validators yet: it creates the first ones and rewards the first one after that.
    const drawn = this.drawAuthor();

    for (let i = 0; i < SETUP_TXS_PER_BLOCK && this.setupQueue.length > 0; i++) {
      const tx = this.setupQueue[0]!();
      if (!tx) break;
      this.setupQueue.shift();
    }
    for (const w of this.withdrawals) {
      if (w.readyEpoch <= this.epoch && !w.scheduled && this.rng.chance(0.5)) this.withdraw(w);
    }
    // Demand answers the base fee: half the transactions at 2× the reference fee, 1.5× at half of it.
    const elasticity = Math.min(1.5, Math.max(0.5, Number(REFERENCE_BASE_FEE) / Number(baseFee)));
    const count = Math.round(this.txsPerBlock * elasticity * (0.75 + 0.5 * this.rng.next()));
    for (let i = 0; i < count; i++) if (!this.randomTx()) break;

    const author = drawn ?? this.addresses[this.validators[0]!.auth]!;
    const planned: PlannedBlock = { number, author, rewardFirst: number > 1, txs: this.txs, newEpoch };
    this.endBlock(newEpoch !== undefined);
    return planned;
  }

  // ---- setup: token, airdrop, validators ----

  private planSetup(seed: number): void {
    const owner = 0;
    this.setupQueue.push(() =>
      this.add('deploy', owner, undefined, encodeDeployData({ abi: TraceToken.abi, bytecode: TraceToken.bytecode }), 0n),
    );
    for (let i = 0; i < VALIDATOR_COUNT; i++) {
      this.setupQueue.push(() => this.addValidator(seed, i));
      // Interleave the airdrop so the first blocks already carry token traffic.
      for (let k = i * 3; k < Math.min(AIRDROP_HOLDERS, this.addresses.length, i * 3 + 3); k++) {
        const amount = parseEther(String(Math.floor(100_000_000 / Math.pow(k + 1, 1.2)) + 1));
        this.setupQueue.push(() => this.mintTo(k, amount));
      }
    }
  }

  private addValidator(seed: number, i: number): PlannedTx | undefined {
    const auth = 1 + i;
    const amount = this.rng.portion(this.spendable[auth]! - RESERVE_WEI, 0.05 + 0.25 * this.rng.next());
    const commission = (BigInt(COMMISSIONS_PERCENT[this.rng.int(COMMISSIONS_PERCENT.length)]!) * 10n ** 18n) / 100n;
    const key = (label: string): Hex => keccak256(encodePacked(['string', 'uint32', 'uint32'], [label, seed, i]));
    // Stand-in keys and signatures of the right sizes (33-byte secp, 48-byte BLS; 64 and 96 bytes signed).
    const secp = `0x02${key('secp').slice(2)}` as Hex;
    const bls = `${key('bls-a')}${key('bls-b').slice(2, 34)}` as Hex;
    const payload = encodePacked(
      ['bytes', 'bytes', 'address', 'uint256', 'uint256'],
      [secp, bls, this.addresses[auth]!, amount, commission],
    );
    const signedSecp = `${key('sig-secp-a')}${key('sig-secp-b').slice(2)}` as Hex;
    const signedBls = `${signedSecp}${key('sig-bls').slice(2)}` as Hex;
    const data = encodeFunctionData({ abi: MonadStaking.abi, functionName: 'addValidator', args: [payload, signedSecp, signedBls] });
    const tx = this.add('addValidator', auth, STAKING_ADDRESS, data, amount);
    if (!tx) return undefined;
    const validator: Validator = { id: this.validators.length + 1, auth, stake: 0n, pendingStake: amount };
    this.validators.push(validator);
    // The validator's self-delegation is never undelegated: it keeps every validator eligible to author.
    this.delegation(validator, auth).pendingStake += amount;
    return tx;
  }

  private mintTo(to: number, amount: bigint): PlannedTx | undefined {
    const data = encodeFunctionData({ abi: TraceToken.abi, functionName: 'mint', args: [this.addresses[to]!, amount] });
    const tx = this.add('mint', 0, this.tokenAddress, data, 0n);
    if (tx) credit(this.tokenCredits, to, amount);
    return tx;
  }

  // ---- random traffic ----

  private randomTx(): boolean {
    let pick = this.rng.next() * MIX.reduce((sum, [, w]) => sum + w, 0);
    let kind: TxKind = 'transfer';
    for (const [k, w] of MIX) {
      pick -= w;
      if (pick < 0) {
        kind = k;
        break;
      }
    }
    const tx = this.generate(kind) ?? (kind === 'transfer' ? undefined : this.generate('transfer'));
    return tx !== undefined || this.gasLeft >= GAS_LIMIT.transfer;
  }

  private generate(kind: TxKind): PlannedTx | undefined {
    switch (kind) {
      case 'transfer': {
        const from = this.senders.sample(this.rng);
        const to = this.recipient(from);
        const value = this.rng.portion(this.available(from, GAS_LIMIT.transfer), this.rng.logUniform(1e-5, 1e-2));
        if (value <= 0n) return undefined;
        const tx = this.add('transfer', from, this.addresses[to]!, undefined, value);
        if (tx) credit(this.credits, to, value);
        return tx;
      }
      case 'tokenTransfer': {
        const from = this.tokenHolder();
        if (from === undefined) return undefined;
        const to = this.recipient(from);
        const amount = this.rng.portion(this.tokens[from]!, this.rng.logUniform(1e-4, 0.3));
        if (amount <= 0n) return undefined;
        const data = encodeFunctionData({ abi: TraceToken.abi, functionName: 'transfer', args: [this.addresses[to]!, amount] });
        const tx = this.add('tokenTransfer', from, this.tokenAddress, data, 0n);
        if (!tx) return undefined;
        this.tokens[from]! -= amount;
        credit(this.tokenCredits, to, amount);
        return tx;
      }
      case 'burn': {
        const from = this.tokenHolder();
        if (from === undefined) return undefined;
        const amount = this.rng.portion(this.tokens[from]!, this.rng.logUniform(1e-3, 0.5));
        if (amount <= 0n) return undefined;
        const data = encodeFunctionData({ abi: TraceToken.abi, functionName: 'burn', args: [amount] });
        const tx = this.add('burn', from, this.tokenAddress, data, 0n);
        if (tx) this.tokens[from]! -= amount;
        return tx;
      }
      case 'mint': {
        const to = this.recipient(0);
        return this.mintTo(to, BigInt(Math.floor(this.rng.logUniform(10, 1e6))) * 10n ** 18n);
      }
      case 'delegate': {
        if (this.validators.length === 0) return undefined;
        const from = this.senders.sample(this.rng);
        const validator = this.validators[this.validatorChoice.sample(this.rng) % this.validators.length]!;
        const value = this.rng.portion(this.available(from, GAS_LIMIT.delegate), this.rng.logUniform(1e-3, 5e-2));
        if (value < 1_000_000_000n) return undefined; // Monad's DUST_THRESHOLD: 1 gwei
        const data = encodeFunctionData({ abi: MonadStaking.abi, functionName: 'delegate', args: [BigInt(validator.id)] });
        const tx = this.add('delegate', from, STAKING_ADDRESS, data, value);
        if (!tx) return undefined;
        this.delegation(validator, from).pendingStake += value;
        validator.pendingStake += value;
        return tx;
      }
      case 'undelegate': {
        const d = this.pickDelegation((x) => x.stake > 0n && x.account !== x.validator.auth);
        if (!d) return undefined;
        const withdrawId = firstFreeId(d.usedWithdrawIds);
        const amount = this.rng.portion(d.stake, 0.1 + 0.9 * this.rng.next());
        if (withdrawId === undefined || amount <= 0n) return undefined;
        const data = encodeFunctionData({
          abi: MonadStaking.abi,
          functionName: 'undelegate',
          args: [BigInt(d.validator.id), amount, withdrawId],
        });
        const tx = this.add('undelegate', d.account, STAKING_ADDRESS, data, 0n);
        if (!tx) return undefined;
        d.stake -= amount;
        d.validator.stake -= amount;
        d.usedWithdrawIds.add(withdrawId);
        // Activates next epoch; withdrawable WITHDRAWAL_DELAY epochs after that.
        this.withdrawals.push({ delegation: d, withdrawId, amount, readyEpoch: this.epoch + 1 + WITHDRAWAL_DELAY, scheduled: false });
        return tx;
      }
      case 'claimRewards': {
        const d = this.pickDelegation((x) => x.stake > 0n);
        if (!d) return undefined;
        const data = encodeFunctionData({ abi: MonadStaking.abi, functionName: 'claimRewards', args: [BigInt(d.validator.id)] });
        return this.add('claimRewards', d.account, STAKING_ADDRESS, data, 0n);
      }
      case 'deploy':
      case 'addValidator':
      case 'withdraw':
        return undefined; // planned by the setup queue and the withdrawal scan
    }
  }

  private withdraw(w: Withdrawal): void {
    const d = w.delegation;
    const data = encodeFunctionData({ abi: MonadStaking.abi, functionName: 'withdraw', args: [BigInt(d.validator.id), w.withdrawId] });
    if (!this.add('withdraw', d.account, STAKING_ADDRESS, data, 0n)) return;
    w.scheduled = true;
    credit(this.credits, d.account, w.amount);
  }

  // ---- model helpers ----

  /** Appends a transaction if gas and the sender's balance allow it; debits value + gas × max fee. */
  private add(kind: TxKind, from: number, to: Address | undefined, data: Hex | undefined, value: bigint): PlannedTx | undefined {
    const gas = GAS_LIMIT[kind];
    if (gas > this.gasLeft) return undefined;
    const maxPriorityFeePerGas = BigInt(this.rng.int(201)) * 10_000_000n; // 0–2 gwei tip
    const maxFeePerGas = this.maxFeeBase + maxPriorityFeePerGas;
    const cost = value + gas * maxFeePerGas;
    if (this.spendable[from]! - RESERVE_WEI < cost) return undefined;
    this.spendable[from]! -= cost;
    this.gasLeft -= gas;
    const tx: PlannedTx = { kind, from, to, data, value, nonce: this.nonces[from]!++, gas, maxFeePerGas, maxPriorityFeePerGas };
    this.txs.push(tx);
    this.counts[kind]++;
    return tx;
  }

  /** What `from` can send after its reserve and the fee of a transaction of `gas`. */
  private available(from: number, gas: bigint): bigint {
    const left = this.spendable[from]! - RESERVE_WEI - gas * (this.maxFeeBase + 2_000_000_000n);
    return left > 0n ? left : 0n;
  }

  /** 60% power-law (rich accounts receive more), 40% uniform, never the sender itself. */
  private recipient(from: number): number {
    const n = this.addresses.length;
    const to = this.rng.chance(0.6) ? this.senders.sample(this.rng) : this.rng.int(n);
    return to === from ? (to + 1) % n : to;
  }

  private tokenHolder(): number | undefined {
    for (let attempt = 0; attempt < 4; attempt++) {
      const from = this.senders.sample(this.rng);
      if (this.tokens[from]! > 0n) return from;
    }
    return undefined;
  }

  private delegation(validator: Validator, account: number): Delegation {
    const key = `${validator.id}:${account}`;
    let d = this.delegations.get(key);
    if (!d) {
      d = { validator, account, stake: 0n, pendingStake: 0n, usedWithdrawIds: new Set() };
      this.delegations.set(key, d);
      this.delegationList.push(d);
    }
    return d;
  }

  private pickDelegation(eligible: (d: Delegation) => boolean): Delegation | undefined {
    const all = this.delegationList;
    for (let attempt = 0; attempt < 4 && all.length > 0; attempt++) {
      const d = all[this.rng.int(all.length)]!;
      if (eligible(d)) return d;
    }
    return undefined;
  }

  /** Proposer selection ∝ stake, as on a proof-of-stake chain; undefined before any validator exists. */
  private drawAuthor(): Address | undefined {
    const active = this.validators.filter((v) => v.stake > 0n);
    if (active.length === 0) return undefined;
    const total = active.reduce((sum, v) => sum + v.stake, 0n);
    let pick = this.rng.portion(total, this.rng.next());
    for (const v of active) {
      if (pick < v.stake) return this.addresses[v.auth]!;
      pick -= v.stake;
    }
    return this.addresses[active[active.length - 1]!.auth]!;
  }

  /** What this block credits becomes spendable in the next one. */
  private endBlock(epochChanged: boolean): void {
    for (const [i, amount] of this.credits) this.spendable[i]! += amount;
    for (const [i, amount] of this.tokenCredits) this.tokens[i]! += amount;
    this.credits.clear();
    this.tokenCredits.clear();
    for (const v of this.validators) {
      v.stake += v.pendingStake;
      v.pendingStake = 0n;
    }
    for (const d of this.delegationList) {
      d.stake += d.pendingStake;
      d.pendingStake = 0n;
    }
    for (let i = this.withdrawals.length - 1; i >= 0; i--) {
      const w = this.withdrawals[i]!;
      if (!w.scheduled) continue;
      w.delegation.usedWithdrawIds.delete(w.withdrawId);
      this.withdrawals.splice(i, 1);
    }
    if (epochChanged) this.epoch++;
  }
}

function credit(map: Map<number, bigint>, index: number, amount: bigint): void {
  map.set(index, (map.get(index) ?? 0n) + amount);
}

function firstFreeId(used: Set<number>): number | undefined {
  for (let id = 0; id < 256; id++) if (!used.has(id)) return id;
  return undefined;
}

