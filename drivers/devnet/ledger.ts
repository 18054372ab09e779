/**
 * The workload's model of native and token balances and nonces. It is conservative so that no
 * planned transaction can fail: a sender may only spend what it held at the start of the block
 * minus what it already committed in this block (value + gas × max fee), and whatever a block
 * credits (transfers, mints, delegations, withdrawals) becomes spendable in the next block. Amounts
 * the model cannot know exactly (claimed rewards, priority fees paid to the block author, the part
 * of max fee not charged) only make real balances larger than modelled ones. So transaction order
 * inside a block never matters for validity.
 */
import { parseEther } from 'viem';

/** Native balance a sender always keeps: a margin above any fee the model may underestimate. */
const RESERVE_WEI = parseEther('10');

export class Ledger {
  private readonly spendable: bigint[];
  private readonly tokens: bigint[];
  private readonly nonces: number[];
  private readonly credits = new Map<number, bigint>();
  private readonly tokenCredits = new Map<number, bigint>();

  /** `balances[i]` is account i's native balance at genesis; no account holds tokens yet. */
  constructor(balances: readonly bigint[]) {
    this.spendable = [...balances];
    this.tokens = balances.map(() => 0n);
    this.nonces = balances.map(() => 0);
  }

  /** Spendable native balance above the reserve (negative below it). */
  surplus(account: number): bigint {
    return this.spendable[account]! - RESERVE_WEI;
  }

  /** What `account` can send after its reserve and `fee`, never below zero. */
  available(account: number, fee: bigint): bigint {
    const left = this.surplus(account) - fee;
    return left > 0n ? left : 0n;
  }

  /** Debits `cost` when the surplus covers it, and returns the account's next nonce; undefined when it does not. */
  spend(account: number, cost: bigint): number | undefined {
    if (this.surplus(account) < cost) return undefined;
    this.spendable[account]! -= cost;
    return this.nonces[account]!++;
  }

  /** Native amount credited in the next block. */
  credit(account: number, amount: bigint): void {
    add(this.credits, account, amount);
  }

  tokensOf(account: number): bigint {
    return this.tokens[account]!;
  }

  spendTokens(account: number, amount: bigint): void {
    this.tokens[account]! -= amount;
  }

  /** Token amount credited in the next block. */
  creditTokens(account: number, amount: bigint): void {
    add(this.tokenCredits, account, amount);
  }

  /** What this block credited becomes spendable in the next one. */
  settle(): void {
    for (const [i, amount] of this.credits) this.spendable[i]! += amount;
    for (const [i, amount] of this.tokenCredits) this.tokens[i]! += amount;
    this.credits.clear();
    this.tokenCredits.clear();
  }
}

function add(map: Map<number, bigint>, index: number, amount: bigint): void {
  map.set(index, (map.get(index) ?? 0n) + amount);
}
