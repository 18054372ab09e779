/**
 * The user transactions of the block being planned. A transaction is appended only while the block
 * has gas left for it and the sender's modelled balance covers value + gas × max fee, which the
 * ledger then debits; the sender's nonce comes from the ledger too.
 */
import type { Address, Hex } from 'viem';
import type { Ledger } from './ledger.js';
import { GAS_LIMIT, type PlannedTx, type TxKind } from './plannedTx.js';
import type { Random } from './random.js';

/** Tips are 0–2 gwei in steps of 0.01 gwei: enough spread for the fee columns to vary. */
const MAX_PRIORITY_FEE_WEI = 2_000_000_000n;
const PRIORITY_FEE_STEP_WEI = 10_000_000n;

export class BlockTxs {
  /** Count of planned transactions by kind, over all blocks. */
  readonly counts: Record<TxKind, number> = {
    deploy: 0, addValidator: 0, mint: 0, transfer: 0, tokenTransfer: 0, burn: 0, delegate: 0, undelegate: 0, withdraw: 0, claimRewards: 0,
  };
  private txs: PlannedTx[] = [];
  private gasLeft = 0n;
  private maxFeeBase = 0n;

  constructor(
    private readonly rng: Random,
    private readonly ledger: Ledger,
  ) {}

  /**
   * Starts a block with `gas` for user transactions. `baseFee` is the latest known base fee; max fees
   * are twice it, which covers the at most +12.5% per block that EIP-1559 allows between that header
   * and inclusion.
   */
  start(baseFee: bigint, gas: bigint): void {
    this.maxFeeBase = baseFee * 2n;
    this.gasLeft = gas;
    this.txs = [];
  }

  /** The transactions appended since start(). */
  get planned(): PlannedTx[] {
    return this.txs;
  }

  hasGasFor(kind: TxKind): boolean {
    return this.gasLeft >= GAS_LIMIT[kind];
  }

  /** Appends a transaction if gas and the sender's balance allow it; debits value + gas × max fee. */
  add(kind: TxKind, from: number, to: Address | undefined, data: Hex | undefined, value: bigint): PlannedTx | undefined {
    const gas = GAS_LIMIT[kind];
    if (gas > this.gasLeft) return undefined;
    const maxPriorityFeePerGas = BigInt(this.rng.int(Number(MAX_PRIORITY_FEE_WEI / PRIORITY_FEE_STEP_WEI) + 1)) * PRIORITY_FEE_STEP_WEI;
    const maxFeePerGas = this.maxFeeBase + maxPriorityFeePerGas;
    const nonce = this.ledger.spend(from, value + gas * maxFeePerGas);
    if (nonce === undefined) return undefined;
    this.gasLeft -= gas;
    const tx: PlannedTx = { kind, from, to, data, value, nonce, gas, maxFeePerGas, maxPriorityFeePerGas };
    this.txs.push(tx);
    this.counts[kind]++;
    return tx;
  }

  /** What `from` can send in a transaction of `kind` after its reserve and that transaction's highest fee. */
  available(from: number, kind: TxKind): bigint {
    return this.ledger.available(from, GAS_LIMIT[kind] * (this.maxFeeBase + MAX_PRIORITY_FEE_WEI));
  }
}
