/**
 * The random traffic mix: the kind of each random transaction is drawn by weight, its sender by a
 * power law over accounts, and its amounts from what the ledger and the staking model allow.
 */
import type { Address } from 'viem';
import type { BlockTxs } from './blockTxs.js';
import { burnData, claimRewardsData, delegateData, mintData, tokenTransferData, undelegateData } from './calldata.js';
import type { Ledger } from './ledger.js';
import { STAKING_ADDRESS } from './monad.js';
import type { PlannedTx, TxKind } from './plannedTx.js';
import { PowerLaw, type Random } from './random.js';
import type { Staking } from './staking.js';

/** Relative weights: plain transfers dominate, as on a live chain; staking and supply changes are rarer. */
const MIX: ReadonlyArray<readonly [TxKind, number]> = [
  ['transfer', 50],
  ['tokenTransfer', 25],
  ['delegate', 8],
  ['undelegate', 4],
  ['claimRewards', 4],
  ['mint', 2],
  ['burn', 2],
];
const TOTAL_WEIGHT = MIX.reduce((sum, [, weight]) => sum + weight, 0);
/** Monad's DUST_THRESHOLD: smaller delegations are refused. */
const MIN_DELEGATION_WEI = 1_000_000_000n;
/** Random draws of a token holder before the transaction is given up: most heavy senders hold tokens. */
const TOKEN_HOLDER_ATTEMPTS = 4;

export class TrafficMix {
  private readonly senders: PowerLaw;

  constructor(
    private readonly rng: Random,
    private readonly addresses: readonly Address[],
    private readonly tokenAddress: Address,
    private readonly ledger: Ledger,
    private readonly staking: Staking,
    private readonly block: BlockTxs,
  ) {
    // Exponent 1.0 for senders: the top 10% of 300 accounts send about half the transactions.
    this.senders = new PowerLaw(addresses.length, 1.0);
  }

  /**
   * Plans one random transaction, a transfer when the drawn kind cannot be planned; false once the
   * block has no gas left for another transfer.
   */
  next(): boolean {
    const kind = this.drawKind();
    const tx = this.generate(kind) ?? (kind === 'transfer' ? undefined : this.generate('transfer'));
    return tx !== undefined || this.block.hasGasFor('transfer');
  }

  /** A mint by the token owner (account 0); the tokens are `to`'s from the next block. */
  mint(to: number, amount: bigint): PlannedTx | undefined {
    const tx = this.block.add('mint', 0, this.tokenAddress, mintData(this.addresses[to]!, amount), 0n);
    if (tx) this.ledger.creditTokens(to, amount);
    return tx;
  }

  private drawKind(): TxKind {
    let pick = this.rng.next() * TOTAL_WEIGHT;
    for (const [kind, weight] of MIX) {
      pick -= weight;
      if (pick < 0) return kind;
    }
    return 'transfer';
  }

  private generate(kind: TxKind): PlannedTx | undefined {
    switch (kind) {
      case 'transfer': {
        const from = this.senders.sample(this.rng);
        const to = this.recipient(from);
        const value = this.rng.portion(this.block.available(from, 'transfer'), this.rng.logUniform(1e-5, 1e-2));
        if (value <= 0n) return undefined;
        const tx = this.block.add('transfer', from, this.addresses[to]!, undefined, value);
        if (tx) this.ledger.credit(to, value);
        return tx;
      }
      case 'tokenTransfer': {
        const from = this.tokenHolder();
        if (from === undefined) return undefined;
        const to = this.recipient(from);
        const amount = this.rng.portion(this.ledger.tokensOf(from), this.rng.logUniform(1e-4, 0.3));
        if (amount <= 0n) return undefined;
        const tx = this.block.add('tokenTransfer', from, this.tokenAddress, tokenTransferData(this.addresses[to]!, amount), 0n);
        if (!tx) return undefined;
        this.ledger.spendTokens(from, amount);
        this.ledger.creditTokens(to, amount);
        return tx;
      }
      case 'burn': {
        const from = this.tokenHolder();
        if (from === undefined) return undefined;
        const amount = this.rng.portion(this.ledger.tokensOf(from), this.rng.logUniform(1e-3, 0.5));
        if (amount <= 0n) return undefined;
        const tx = this.block.add('burn', from, this.tokenAddress, burnData(amount), 0n);
        if (tx) this.ledger.spendTokens(from, amount);
        return tx;
      }
      case 'mint': {
        const to = this.recipient(0);
        return this.mint(to, BigInt(Math.floor(this.rng.logUniform(10, 1e6))) * 10n ** 18n);
      }
      case 'delegate': {
        if (this.staking.validators.length === 0) return undefined;
        const from = this.senders.sample(this.rng);
        const validator = this.staking.pickValidator(this.rng);
        const value = this.rng.portion(this.block.available(from, 'delegate'), this.rng.logUniform(1e-3, 5e-2));
        if (value < MIN_DELEGATION_WEI) return undefined;
        const tx = this.block.add('delegate', from, STAKING_ADDRESS, delegateData(validator.id), value);
        if (tx) this.staking.delegate(validator, from, value);
        return tx;
      }
      case 'undelegate': {
        const d = this.staking.pickDelegation(this.rng, (x) => x.stake > 0n && x.account !== x.validator.auth);
        if (!d) return undefined;
        const withdrawId = this.staking.freeWithdrawId(d);
        const amount = this.rng.portion(d.stake, 0.1 + 0.9 * this.rng.next());
        if (withdrawId === undefined || amount <= 0n) return undefined;
        const tx = this.block.add('undelegate', d.account, STAKING_ADDRESS, undelegateData(d.validator.id, amount, withdrawId), 0n);
        if (tx) this.staking.undelegate(d, amount, withdrawId);
        return tx;
      }
      case 'claimRewards': {
        const d = this.staking.pickDelegation(this.rng, (x) => x.stake > 0n);
        if (!d) return undefined;
        return this.block.add('claimRewards', d.account, STAKING_ADDRESS, claimRewardsData(d.validator.id), 0n);
      }
      case 'deploy':
      case 'addValidator':
      case 'withdraw':
        return undefined; // planned by the setup queue and the withdrawal scan
    }
  }

  /** 60% power-law (rich accounts receive more), 40% uniform, never the sender itself. */
  private recipient(from: number): number {
    const n = this.addresses.length;
    const to = this.rng.chance(0.6) ? this.senders.sample(this.rng) : this.rng.int(n);
    return to === from ? (to + 1) % n : to;
  }

  private tokenHolder(): number | undefined {
    for (let attempt = 0; attempt < TOKEN_HOLDER_ATTEMPTS; attempt++) {
      const from = this.senders.sample(this.rng);
      if (this.ledger.tokensOf(from) > 0n) return from;
    }
    return undefined;
  }
}
