/**
 * Deterministic accounts and the genesis allocation. Every starting balance is allocated here (anvil
 * `--init genesis.json` with `alloc`), so `genesis_supply_wei` is exactly the sum of this allocation.
 */
import { encodePacked, keccak256, parseEther, toHex, type Address, type Hex } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { SYSTEM_SENDER } from './monad.js';

/** Richest account's balance; account k gets TOP / (k+1)^1.1, so 300 accounts hold ≈ 5.4 × TOP. */
const TOP_BALANCE_WEI = parseEther('1000000000');
const BALANCE_EXPONENT = 1.1;
/** The system sender pays gas for its system transactions (~0.1 MON per 1,000 blocks at 1 gwei). */
const SYSTEM_SENDER_GAS_FUND_WEI = parseEther('1000');
/** 2025-11-24T00:00:00Z, so block timestamps do not depend on the wall clock. */
export const GENESIS_TIMESTAMP = 1_763_942_400;

export interface GenesisAccount {
  account: PrivateKeyAccount;
  balance: bigint;
}

export interface Genesis {
  accounts: GenesisAccount[];
  /** Address → starting balance, including the system sender. */
  alloc: Map<Address, bigint>;
  supplyWei: bigint;
}

/** Account k's key is keccak256("trace-lite devnet" ‖ seed ‖ k): the same seed, the same accounts. */
export function accountKey(seed: number, index: number): Hex {
  return keccak256(encodePacked(['string', 'uint32', 'uint32'], ['trace-lite devnet', seed, index]));
}

export function buildGenesis(seed: number, accountCount: number): Genesis {
  const accounts: GenesisAccount[] = [];
  for (let k = 0; k < accountCount; k++) {
    const scaled = BigInt(Math.floor(1e9 / Math.pow(k + 1, BALANCE_EXPONENT)));
    accounts.push({ account: privateKeyToAccount(accountKey(seed, k)), balance: (TOP_BALANCE_WEI * scaled) / 1_000_000_000n });
  }
  const alloc = new Map<Address, bigint>(accounts.map((a) => [a.account.address, a.balance]));
  alloc.set(SYSTEM_SENDER, SYSTEM_SENDER_GAS_FUND_WEI);
  let supplyWei = 0n;
  for (const balance of alloc.values()) supplyWei += balance;
  return { accounts, alloc, supplyWei };
}

/** anvil's `--init` file. anvil takes chain id, gas limit and base fee from its flags, not from here. */
export function genesisJson(genesis: Genesis, chainId: number): string {
  const alloc: Record<string, { balance: Hex }> = {};
  for (const [address, balance] of genesis.alloc) alloc[address] = { balance: toHex(balance) };
  return JSON.stringify({ config: { chainId }, timestamp: toHex(GENESIS_TIMESTAMP), difficulty: '0x0', alloc }, null, 2);
}
