/**
 * The workload's model of Monad staking: validators, delegations, pending withdrawals and the epoch.
 * As in the ledger, what a block stakes counts from the next block, and an undelegated amount
 * leaves the stake at once.
 */
import { PowerLaw, type Random } from './random.js';

export const VALIDATOR_COUNT = 20;
/** Monad's WITHDRAWAL_DELAY: withdraw is allowed one epoch after the undelegation activates. */
const WITHDRAWAL_DELAY = 1;
/** withdrawId is a uint8: a delegation has 256 withdrawal slots. */
const WITHDRAW_ID_SLOTS = 256;
/** Random draws of a delegation before the transaction is given up: most delegations are eligible. */
const PICK_ATTEMPTS = 4;

export interface Validator {
  id: number;
  /** Index of its auth account in genesis.accounts. */
  auth: number;
  stake: bigint;
  pendingStake: bigint;
}

export interface Delegation {
  validator: Validator;
  account: number;
  /** Stake at block start minus what this block undelegates. */
  stake: bigint;
  pendingStake: bigint;
  usedWithdrawIds: Set<number>;
}

export interface Withdrawal {
  delegation: Delegation;
  withdrawId: number;
  amount: bigint;
  readyEpoch: number;
  scheduled: boolean;
}

export class Staking {
  readonly validators: Validator[] = [];
  private readonly delegations = new Map<string, Delegation>();
  private readonly delegationList: Delegation[] = [];
  private readonly withdrawals: Withdrawal[] = [];
  // Exponent 1.2 over validators: the top 3 of 20 get about half of the delegations.
  private readonly validatorChoice = new PowerLaw(VALIDATOR_COUNT, 1.2);
  private currentEpoch = 0;

  get epoch(): number {
    return this.currentEpoch;
  }

  /** A planned addValidator: the next validator id, staked by its auth account's self-delegation. */
  addValidator(auth: number, amount: bigint): void {
    const validator: Validator = { id: this.validators.length + 1, auth, stake: 0n, pendingStake: amount };
    this.validators.push(validator);
    // The validator's self-delegation is never undelegated: it keeps every validator eligible to author.
    this.delegation(validator, auth).pendingStake += amount;
  }

  /** A validator drawn by the power law over ids; call only once a validator exists. */
  pickValidator(rng: Random): Validator {
    return this.validators[this.validatorChoice.sample(rng) % this.validators.length]!;
  }

  delegate(validator: Validator, account: number, amount: bigint): void {
    this.delegation(validator, account).pendingStake += amount;
    validator.pendingStake += amount;
  }

  /** A random delegation that `eligible` accepts, or undefined after PICK_ATTEMPTS misses. */
  pickDelegation(rng: Random, eligible: (d: Delegation) => boolean): Delegation | undefined {
    const all = this.delegationList;
    for (let attempt = 0; attempt < PICK_ATTEMPTS && all.length > 0; attempt++) {
      const d = all[rng.int(all.length)]!;
      if (eligible(d)) return d;
    }
    return undefined;
  }

  /** The lowest withdrawal slot of `d` not in use, or undefined when all are. */
  freeWithdrawId(d: Delegation): number | undefined {
    for (let id = 0; id < WITHDRAW_ID_SLOTS; id++) if (!d.usedWithdrawIds.has(id)) return id;
    return undefined;
  }

  /** A planned undelegate: activates next epoch, withdrawable WITHDRAWAL_DELAY epochs after that. */
  undelegate(d: Delegation, amount: bigint, withdrawId: number): void {
    d.stake -= amount;
    d.validator.stake -= amount;
    d.usedWithdrawIds.add(withdrawId);
    this.withdrawals.push({ delegation: d, withdrawId, amount, readyEpoch: this.currentEpoch + 1 + WITHDRAWAL_DELAY, scheduled: false });
  }

  /** A planned withdraw: its slot is freed when the block ends. */
  withdraw(w: Withdrawal): void {
    w.scheduled = true;
  }

  /** Withdrawals past their delay that no planned withdraw claims yet. */
  readyWithdrawals(): Withdrawal[] {
    return this.withdrawals.filter((w) => w.readyEpoch <= this.currentEpoch && !w.scheduled);
  }

  /** Proposer selection ∝ stake, as on a proof-of-stake chain: the author's account index; undefined before any validator has stake. */
  drawAuthor(rng: Random): number | undefined {
    const active = this.validators.filter((v) => v.stake > 0n);
    if (active.length === 0) return undefined;
    const total = active.reduce((sum, v) => sum + v.stake, 0n);
    let pick = rng.portion(total, rng.next());
    for (const v of active) {
      if (pick < v.stake) return v.auth;
      pick -= v.stake;
    }
    return active[active.length - 1]!.auth;
  }

  /** End of block: pending stake becomes stake, planned withdrawals free their slots, the epoch may advance. */
  settle(epochChanged: boolean): void {
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
    if (epochChanged) this.currentEpoch++;
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
}
