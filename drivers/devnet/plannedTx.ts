/** What the workload plans: the kinds of user transaction, their gas limits, and one planned transaction. */
import type { Address, Hex } from 'viem';

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
export const GAS_LIMIT: Record<TxKind, bigint> = {
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
