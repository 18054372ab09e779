/**
 * The devnet's own answers to what the analytics compute, read from the chain at a historic block:
 * the ERC-20's totalSupply/balanceOf (eth_call), native balances (eth_getBalance) and each
 * validator's stake from the staking precompile's getValidator. What the analytics tests and the
 * harness compare the committed datasets with.
 */
import { getAddress, parseAbi, type Address } from 'viem';
import { createDevnetClient, type DevnetClient } from './client.js';
import { TraceToken } from './contracts.generated.js';
import type { DevnetDescription } from './devnet.js';
import { MONAD_STAKING_ABI, STAKING_ADDRESS } from './monad.js';

const ERC20_TRANSFER = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)'])[0];

export interface Holding {
  /** Lower-case 0x hex, as the query results print addresses. */
  address: Address;
  balance: bigint;
}

/** The n largest positive holdings, largest first, ties by address (the top_holders template's order). */
function topHoldings(holdings: readonly Holding[], n: number): Holding[] {
  return holdings
    .filter((h) => h.balance > 0n && BigInt(h.address) !== 0n)
    .sort((a, b) => (a.balance > b.balance ? -1 : a.balance < b.balance ? 1 : a.address < b.address ? -1 : 1))
    .slice(0, n);
}

export class DevnetAnswers {
  /** Batched: callers ask for many balances at once. */
  private readonly client: DevnetClient;

  constructor(readonly description: DevnetDescription) {
    this.client = createDevnetClient(description.rpc_url, { batch: true });
  }

  /** 0 before the token existed (it is deployed in block 1). */
  async tokenTotalSupply(block: number): Promise<bigint> {
    const { erc20 } = this.description.contracts;
    if (!(await this.tokenExists(block))) return 0n;
    return this.client.readContract({ address: erc20, abi: TraceToken.abi, functionName: 'totalSupply', blockNumber: BigInt(block) });
  }

  /** 0 before the token existed. */
  async tokenBalance(address: Address, block: number): Promise<bigint> {
    const { erc20 } = this.description.contracts;
    if (!(await this.tokenExists(block))) return 0n;
    return this.client.readContract({ address: erc20, abi: TraceToken.abi, functionName: 'balanceOf', args: [address], blockNumber: BigInt(block) });
  }

  private async tokenExists(block: number): Promise<boolean> {
    const code = await this.client.getCode({ address: this.description.contracts.erc20, blockNumber: BigInt(block) });
    return code !== undefined && code !== '0x';
  }

  /** Every ERC-20 Transfer up to `block`, oldest first. */
  private async tokenTransfers(block: number): Promise<{ from: Address; to: Address; value: bigint; blockNumber: bigint }[]> {
    const logs = await this.client.getLogs({ address: this.description.contracts.erc20, event: ERC20_TRANSFER, fromBlock: 0n, toBlock: BigInt(block), strict: true });
    return logs.map((l) => ({ ...l.args, blockNumber: l.blockNumber }));
  }

  /** The token's top n holders at `block`: balanceOf of every address a Transfer reached by then. */
  async topTokenHolders(block: number, n: number): Promise<Holding[]> {
    const reached = new Set((await this.tokenTransfers(block)).map((t) => t.to.toLowerCase() as Address));
    return topHoldings(await Promise.all([...reached].map(async (address) => ({ address, balance: await this.tokenBalance(address, block) }))), n);
  }

  /** The top n native holders at `block` among `addresses` (eth_getBalance). */
  async topNativeHolders(addresses: readonly Address[], block: number, n: number): Promise<Holding[]> {
    const holdings = await Promise.all(addresses.map(async (a) => ({ address: a.toLowerCase() as Address, balance: await this.nativeBalance(a, block) })));
    return topHoldings(holdings, n);
  }

  async nativeBalance(address: Address, block: number): Promise<bigint> {
    return this.client.getBalance({ address, blockNumber: BigInt(block) });
  }

  /** getValidator(id).stake at `block` of every validator created by then (its authAddress is set). */
  async validatorStakes(block: number): Promise<Map<number, bigint>> {
    const stakes = new Map<number, bigint>();
    for (const id of this.description.validator_ids) {
      const [authAddress, , stake] = await this.client.readContract({
        address: STAKING_ADDRESS,
        abi: MONAD_STAKING_ABI,
        functionName: 'getValidator',
        args: [BigInt(id)],
        blockNumber: BigInt(block),
      });
      if (BigInt(authAddress) !== 0n) stakes.set(id, stake);
    }
    return stakes;
  }

  /**
   * Every address that can hold wei: the genesis accounts, the system sender, the contracts and
   * `seen` (transaction senders and recipients, block authors: what the chain's blocks name).
   */
  fundedAddresses(seen: readonly string[]): Address[] {
    const d = this.description;
    const all = [...d.accounts, d.system_sender, STAKING_ADDRESS, d.contracts.erc20, ...seen];
    return [...new Set(all.map((a) => getAddress(a)))];
  }
}
