/**
 * The devnet's deterministic workload: a pure planner (no RPC) that decides every user transaction
 * of every block from the seed and a local model of the chain: balances in the ledger (whose
 * conservative rules keep every planned transaction valid, in any order within its block) and
 * stake in the staking model. Setup (token, airdrop, validators) goes first, then withdrawals that
 * came due, then the random traffic mix.
 */
import { getContractAddress, parseEther, type Address } from 'viem';
import { BlockTxs } from './blockTxs.js';
import { addValidatorData, tokenDeployData, withdrawData } from './calldata.js';
import type { Genesis } from './genesis.js';
import { Ledger } from './ledger.js';
import { STAKING_ADDRESS } from './monad.js';
import type { PlannedTx, TxKind } from './plannedTx.js';
import { Random } from './random.js';
import { Staking, VALIDATOR_COUNT, type Withdrawal } from './staking.js';
import { TrafficMix } from './trafficMix.js';

/** System transactions: syscallReward (107,256) and syscallOnEpochChange over 20 validators (1,069,580). */
export const REWARD_GAS = 130_000n;
export const EPOCH_CHANGE_GAS = 1_300_000n;
/** The validators' auth accounts, the token owner and a few others. */
export const MIN_ACCOUNTS = VALIDATOR_COUNT + 10;
/** Monad's epochs are 50,000 blocks; 10 here, so a 40-block run sees epoch changes and withdrawals. */
export const EPOCH_BLOCKS = 10;
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
const COMMISSIONS_PERCENT = [0, 2, 5, 5, 8, 10, 10, 15];

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

export class Workload {
  readonly tokenAddress: Address;

  private readonly rng: Random;
  private readonly txsPerBlock: number;
  private readonly addresses: Address[];
  private readonly ledger: Ledger;
  private readonly staking = new Staking();
  private readonly block: BlockTxs;
  private readonly traffic: TrafficMix;
  private readonly setupQueue: Array<() => PlannedTx | undefined> = [];

  constructor(genesis: Genesis, options: { seed: number; txsPerBlock?: number }) {
    const n = genesis.accounts.length;
    if (n < MIN_ACCOUNTS) throw new RangeError(`the devnet needs at least ${MIN_ACCOUNTS} accounts, got ${n}`);
    this.rng = new Random(options.seed);
    this.txsPerBlock = options.txsPerBlock ?? DEFAULT_TXS_PER_BLOCK;
    this.addresses = genesis.accounts.map((a) => a.account.address);
    this.ledger = new Ledger(genesis.accounts.map((a) => a.balance));
    this.block = new BlockTxs(this.rng, this.ledger);
    // Account 0 deploys and owns the token; its first transaction (nonce 0) creates it.
    this.tokenAddress = getContractAddress({ from: this.addresses[0]!, nonce: 0n });
    this.traffic = new TrafficMix(this.rng, this.addresses, this.tokenAddress, this.ledger, this.staking, this.block);
    this.planSetup(options.seed);
  }

  /** Count of planned transactions by kind. */
  get counts(): Record<TxKind, number> {
    return this.block.counts;
  }

  /** Ids of the validators created so far. */
  get validatorIds(): bigint[] {
    return this.staking.validators.map((v) => BigInt(v.id));
  }

  /** Plans block `number`; `baseFee` is the latest known base fee. */
  planBlock(number: number, baseFee: bigint): PlannedBlock {
    const newEpoch = number % EPOCH_BLOCKS === 0 ? BigInt(this.staking.epoch + 1) : undefined;
    this.block.start(baseFee, BLOCK_GAS_LIMIT - REWARD_GAS - (newEpoch === undefined ? 0n : EPOCH_CHANGE_GAS));
    // The reward runs first, so the author is drawn from the stake at block start. Block 1 has no
    // validators yet: it creates the first ones and rewards the first one after that.
    const drawn = this.staking.drawAuthor(this.rng);

    for (let i = 0; i < SETUP_TXS_PER_BLOCK && this.setupQueue.length > 0; i++) {
      const tx = this.setupQueue[0]!();
      if (!tx) break;
      this.setupQueue.shift();
    }
    for (const w of this.staking.readyWithdrawals()) {
      if (this.rng.chance(0.5)) this.withdraw(w);
    }
    // Demand answers the base fee: half the transactions at 2× the reference fee, 1.5× at half of it.
    const elasticity = Math.min(1.5, Math.max(0.5, Number(REFERENCE_BASE_FEE) / Number(baseFee)));
    const count = Math.round(this.txsPerBlock * elasticity * (0.75 + 0.5 * this.rng.next()));
    for (let i = 0; i < count; i++) if (!this.traffic.next()) break;

    const author = this.addresses[drawn ?? this.staking.validators[0]!.auth]!;
    const planned: PlannedBlock = { number, author, rewardFirst: number > 1, txs: this.block.planned, newEpoch };
    // What this block credits and stakes counts from the next one.
    this.ledger.settle();
    this.staking.settle(newEpoch !== undefined);
    return planned;
  }

  private planSetup(seed: number): void {
    const owner = 0;
    this.setupQueue.push(() => this.block.add('deploy', owner, undefined, tokenDeployData(), 0n));
    for (let i = 0; i < VALIDATOR_COUNT; i++) {
      this.setupQueue.push(() => this.addValidator(seed, i));
      // Interleave the airdrop so the first blocks already carry token traffic.
      for (let k = i * 3; k < Math.min(AIRDROP_HOLDERS, this.addresses.length, i * 3 + 3); k++) {
        const amount = parseEther(String(Math.floor(100_000_000 / Math.pow(k + 1, 1.2)) + 1));
        this.setupQueue.push(() => this.traffic.mint(k, amount));
      }
    }
  }

  private addValidator(seed: number, i: number): PlannedTx | undefined {
    const auth = 1 + i;
    const amount = this.rng.portion(this.ledger.surplus(auth), 0.05 + 0.25 * this.rng.next());
    const commission = (BigInt(COMMISSIONS_PERCENT[this.rng.int(COMMISSIONS_PERCENT.length)]!) * 10n ** 18n) / 100n;
    const data = addValidatorData(seed, i, this.addresses[auth]!, amount, commission);
    const tx = this.block.add('addValidator', auth, STAKING_ADDRESS, data, amount);
    if (tx) this.staking.addValidator(auth, amount);
    return tx;
  }

  private withdraw(w: Withdrawal): void {
    const d = w.delegation;
    if (!this.block.add('withdraw', d.account, STAKING_ADDRESS, withdrawData(d.validator.id, w.withdrawId), 0n)) return;
    this.staking.withdraw(w);
    this.ledger.credit(d.account, w.amount);
  }
}
