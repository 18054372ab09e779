/**
 * The synthetic chain's accounts (fixed by the seed) and its state at a block's start: balances,
 * nonces, stakes, the base fee and the supplies. The generator checkpoints the state at every
 * range start and clones it to generate a range on its own.
 */
import { encodePacked, keccak256, type Address } from 'viem';
import { PowerLaw, Random } from '../../drivers/devnet/random.js';
import { ETHER, REFERENCE_BASE_FEE, SYSTEM_SENDER_FUND_WEI, VALIDATORS } from './chainParameters.js';
import { mixSeed } from './chainRandom.js';

/** Who acts on the chain and how they are drawn; accounts 0 … VALIDATORS − 1 are the validators. */
export interface ChainAccounts {
  addresses: Address[];
  tokenAddress: Address;
  /** Token owner: deploys the ERC-20 and mints. */
  owner: number;
  senders: PowerLaw;
  receivers: PowerLaw;
  validatorChoice: PowerLaw;
}

export function chainAccounts(seed: number, count: number): ChainAccounts {
  return {
    addresses: Array.from({ length: count }, (_, i): Address => `0x${keccak256(encodePacked(['string', 'uint32', 'uint32'], ['account', seed, i])).slice(-40)}`),
    tokenAddress: `0x${keccak256(encodePacked(['string', 'uint32'], ['token', seed])).slice(-40)}`,
    owner: VALIDATORS,
    senders: new PowerLaw(count, 1.0),
    receivers: new PowerLaw(count, 0.8),
    validatorChoice: new PowerLaw(VALIDATORS, 1.2),
  };
}

/** Chain state at the start of a block. */
export interface ChainState {
  native: bigint[];
  /** The staking precompile's native balance: every stake and every block reward it was paid. */
  stakingBalance: bigint;
  /** The system sender's: it pays each reward and gas, and is credited each reward outside transactions. */
  systemBalance: bigint;
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

/**
 * Block 0: validators hold 2,000,000 MON each, other accounts a log-uniform 50–200,000 MON, the
 * system sender its gas fund.
 */
export function genesisState(seed: number, accounts: ChainAccounts): ChainState {
  const rng = new Random(mixSeed(seed, 0, 0x6e5e));
  const native = accounts.addresses.map((_, i) => (i < VALIDATORS ? 2_000_000n * ETHER : BigInt(Math.floor(rng.logUniform(50, 200_000))) * ETHER));
  return {
    native,
    stakingBalance: 0n,
    systemBalance: SYSTEM_SENDER_FUND_WEI,
    tokens: accounts.addresses.map(() => 0n),
    nonces: accounts.addresses.map(() => 0),
    systemNonce: 0,
    validatorStake: Array.from({ length: VALIDATORS }, () => 0n),
    stakes: new Map(),
    delegationKeys: [],
    withdrawId: 0,
    baseFee: REFERENCE_BASE_FEE,
    nativeSupply: native.reduce((a, b) => a + b, SYSTEM_SENDER_FUND_WEI),
    tokenSupply: 0n,
  };
}

export function cloneState(s: ChainState): ChainState {
  return {
    native: s.native.slice(),
    stakingBalance: s.stakingBalance,
    systemBalance: s.systemBalance,
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

/** The accounts with a positive balance, largest first, ties by address. */
export function rankHolders(addresses: readonly Address[], balances: readonly bigint[]): Array<{ address: Address; balance: bigint }> {
  return addresses
    .map((address, i) => ({ address, balance: balances[i]! }))
    .filter((h) => h.balance > 0n)
    .sort((x, y) => (x.balance === y.balance ? (x.address < y.address ? -1 : 1) : x.balance > y.balance ? -1 : 1));
}
