/**
 * The synthetic chain's calibration, modelled on `trace-lite devnet` (drivers/devnet/plannedTx.ts):
 * units, validators, block timing and demand, the EIP-1559 fee rule's constants, the user
 * transaction mix and the gas each kind of transaction uses.
 */
import { MONAD_CHAIN_ID } from '../../drivers/devnet/monad.js';

export const CHAIN_ID = MONAD_CHAIN_ID;
export const VALIDATORS = 20;
export const GWEI = 1_000_000_000n;
export const ETHER = 10n ** 18n;
/** Monad's epochs are 50,000 blocks. */
export const EPOCH_BLOCKS = 50_000;
/** User transactions per block at the reference base fee. */
export const TXS_PER_BLOCK = 20;
export const REFERENCE_BASE_FEE = 50n * GWEI;
export const MIN_BASE_FEE = GWEI;
/** EIP-1559 target: about what 20 user transactions and the reward use, so the base fee moves both ways. */
export const TARGET_GAS = 1_100_000n;
/** The system sender's genesis fund: it pays each reward (credited back) and its gas, ~125 MON over 50,000 blocks. */
export const SYSTEM_SENDER_FUND_WEI = 1_000n * ETHER;
/** What a sender keeps back when it sends or delegates native value. */
export const RESERVE_WEI = 10n * ETHER;
export const GENESIS_TIMESTAMP = 1_735_689_600;

export type UserKind = 'transfer' | 'tokenTransfer' | 'mint' | 'burn' | 'delegate' | 'undelegate';
/** Relative weights of the user transaction kinds. */
export const MIX: ReadonlyArray<readonly [UserKind, number]> = [
  ['transfer', 45],
  ['tokenTransfer', 30],
  ['mint', 3],
  ['burn', 3],
  ['delegate', 12],
  ['undelegate', 7],
];
export const MIX_TOTAL = MIX.reduce((sum, [, w]) => sum + w, 0);

export interface Gas {
  used: bigint;
  limit: bigint;
}

/** Gas used by kind, as the devnet measured them (drivers/devnet/plannedTx.ts); limits add headroom. */
export const GAS: Record<UserKind | 'reward' | 'addValidator' | 'deploy' | 'reverted', Gas> = {
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
