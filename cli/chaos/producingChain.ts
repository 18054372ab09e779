/**
 * A devnet that keeps producing blocks while a follow_head sync runs, and reorganises at a depth the
 * suite chooses: its own devnet (seeded as the shared one, so the seeded blocks are the same) behind
 * its own RPC fault proxy, so that the other kinds' fixed chain is never rewritten.
 *
 * Each produced block carries one transfer from the system sender whose recipient and value follow
 * from the block number and the fork it is on, so every fork's blocks differ (hashes, transactions,
 * traces) and are the same for the same seed. A snapshot is taken before each produced block: a
 * reorg from block b reverts to the snapshot before b and mines the next fork's blocks b..tip.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Hex } from 'viem';
import { startRpcFaultProxy, type RpcFaultProxy } from '../../drivers/chain/rpcFaultProxy.js';
import { createDevnetClient, type DevnetClient } from '../../drivers/devnet/client.js';
import { startDevnet, type Devnet } from '../../drivers/devnet/devnet.js';

/**
 * A new block every second: the head moves every other head poll (500 ms), and a sync of two
 * workers keeps up with it once past the seeded blocks (at 400 ms a block, Monad's pace, the sync at
 * load 14 stayed 20+ blocks behind the tip, so no range near the tip was ever in flight).
 */
const PRODUCE_INTERVAL_MS = 1_000;
/** A plain transfer's gas. */
const TRANSFER_GAS = 21_000n;

export class ProducingChain {
  private readonly client: DevnetClient;
  /** Snapshot ids by block number: the state before that produced block was mined. */
  private readonly snapshots = new Map<number, Hex>();
  /** One chain operation at a time: a block produced, or a reorg. */
  private queue: Promise<unknown> = Promise.resolve();
  private forks = 0;
  private producing: Promise<void> | undefined;
  private stopProducing = false;
  /** Why production stopped on its own (a block the devnet refused). */
  private failure: Error | undefined;
  tip: number;
  /** The tip when the last reorg was made (0 before any). */
  lastReorgTip = 0;

  private constructor(
    readonly devnet: Devnet,
    readonly rpc: RpcFaultProxy,
  ) {
    this.client = createDevnetClient(devnet.description.rpc_url);
    this.tip = devnet.description.last_block;
  }

  static async start(options: { runDir: string; blocks: number; seed: number }): Promise<ProducingChain> {
    const devnet = await startDevnet({ dataDir: path.join(options.runDir, 'producing-devnet'), blocks: options.blocks, seed: options.seed, log: () => undefined });
    const rpc = await startRpcFaultProxy({ target: devnet.description.rpc_url }).catch(async (err: unknown) => {
      await devnet.stop();
      throw err;
    });
    return new ProducingChain(devnet, rpc);
  }

  /** The last seeded block: produced blocks (and so reorgs) start after it. */
  get seededLast(): number {
    return this.devnet.description.last_block;
  }

  /** Starts producing a block every PRODUCE_INTERVAL_MS. */
  produce(): void {
    this.producing ??= (async () => {
      while (!this.stopProducing) {
        await this.serially(() => this.mineBlock(this.tip + 1));
        await delay(PRODUCE_INTERVAL_MS);
      }
    })().catch((err: unknown) => {
      this.failure = err as Error;
    });
  }

  /** Stops producing once `more` blocks past the current tip are mined; resolves with the final height. */
  async finish(more: number): Promise<number> {
    const final = this.tip + more;
    while (this.tip < final) {
      if (this.failure) throw new Error(`the devnet stopped producing at block ${this.tip}: ${this.failure.message}`);
      await delay(PRODUCE_INTERVAL_MS);
    }
    this.stopProducing = true;
    await this.producing;
    return this.tip;
  }

  /** Replaces blocks `from`..tip with as many blocks of a new fork; resolves with the tip. */
  reorg(from: number): Promise<number> {
    return this.serially(async () => {
      const snapshot = this.snapshots.get(from);
      if (from <= this.seededLast || snapshot === undefined) throw new Error(`no reorg from block ${from} at tip ${this.tip}: only produced blocks (after ${this.seededLast}) can be replaced`);
      await this.client.revert({ id: snapshot });
      for (const n of [...this.snapshots.keys()]) if (n >= from) this.snapshots.delete(n);
      this.forks += 1;
      const tip = this.tip;
      this.tip = from - 1;
      for (let n = from; n <= tip; n++) await this.mineBlock(n);
      this.lastReorgTip = tip;
      return tip;
    });
  }

  async stop(): Promise<void> {
    this.stopProducing = true;
    await this.producing;
    await this.rpc.stop();
    await this.devnet.stop();
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Mines block `number` of the current fork: one transfer, chosen by the block number and the fork. */
  private async mineBlock(number: number): Promise<void> {
    this.snapshots.set(number, await this.client.snapshot());
    const { accounts, system_sender: sender } = this.devnet.description;
    const latest = await this.client.getBlock({ blockTag: 'latest' });
    await this.client.sendTransaction({
      account: sender,
      chain: null,
      to: accounts[(number + this.forks) % accounts.length]!,
      value: BigInt(1 + number + this.forks * 1_000),
      gas: TRANSFER_GAS,
      type: 'eip1559',
      maxFeePerGas: (latest.baseFeePerGas ?? 0n) * 2n,
      maxPriorityFeePerGas: 0n,
    });
    await this.client.mine({ blocks: 1 });
    this.tip = number;
  }
}
