/**
 * Drives the workload into anvil, block by block, the way Monad produces blocks:
 *
 *   1. coinbase ← the block author, so priority fees go to a tracked account and supply stays exact;
 *   2. the system transaction syscallReward(author) from the system sender with value = reward,
 *      emitting ValidatorRewarded;
 *   3. the block's user transactions, signed locally and sent as one JSON-RPC batch;
 *   4. on epoch boundaries, syscallOnEpochChange(epoch + 1) last, emitting EpochChanged;
 *   5. evm_mine; every sent transaction must be in the block and have succeeded;
 *   6. the system sender's balance ← its balance + reward, before the next block: the reward is
 *      minted (the only out-of-band balance change), so Σ balances at block N = genesis + Σ rewards
 *      − Σ burned base fees.
 *
 * Why the credit follows the block instead of preceding its reward transaction: anvil 1.7 records a
 * block's historic state when the next block is mined (the state that block executes on), so a
 * credit made before block N shows up in eth_getBalance at block N-1, one reward early. Made after
 * block N, it lands in block N's state. The system sender's genesis fund (1,000 MON) pays the
 * reward before its credit arrives.
 *
 * anvil runs with --no-mining and --order fifo, so a block holds exactly what was sent for it, in
 * send order. Signing is the largest cost (~0.3 ms per transaction): a pool thread signs block N+1
 * while this thread drives block N through its round trips (1,650 → 2,200 tx/s over 300 blocks).
 */
import { Piscina } from 'piscina';
import { encodeFunctionData, type Hash, type Hex } from 'viem';
import type { DevnetClient } from './client.js';
import { MonadStaking } from './contracts.generated.js';
import type { Genesis } from './genesis.js';
import { BLOCK_REWARD_WEI, STAKING_ADDRESS, SYSTEM_SENDER } from './monad.js';
import type { TxKind } from './plannedTx.js';
import type { SignTask } from './signer.js';
import { EPOCH_CHANGE_GAS, REWARD_GAS, type PlannedBlock, type Workload } from './workload.js';

const PROGRESS_INTERVAL_MS = 1_000;

export interface SeedOptions {
  /** Seed of the workload (the signing thread derives the same account keys from it). */
  seed: number;
  blocks: number;
  log: (line: string) => void;
  /** Checked before every block: aborting stops seeding with the signal's reason. */
  signal?: AbortSignal;
}

export interface SeedStats {
  blocks: number;
  /** User transactions (system transactions not included). */
  transactions: number;
  /** User transactions by kind. */
  byKind: Record<TxKind, number>;
  systemTransactions: number;
  seconds: number;
  lastBlock: bigint;
}

interface SignedBlock {
  plan: PlannedBlock;
  raw: Hex[];
}

/** A sent transaction, described for error messages. */
interface Sent {
  hash: Hash;
  what: string;
  gas: bigint;
}

/** What the chain reported after a block. */
interface MinedBlock {
  baseFee: bigint;
  systemBalance: bigint;
}

export async function seedChain(
  clients: { control: DevnetClient; burst: DevnetClient },
  genesis: Genesis,
  workload: Workload,
  options: SeedOptions,
): Promise<SeedStats> {
  const signer = new Piscina<SignTask, Hex[]>({ filename: new URL('./signer.js', import.meta.url).href, minThreads: 1, maxThreads: 1 });
  try {
    return await seedBlocks(clients, genesis, workload, options, async (plan) => ({
      plan,
      raw: await signer.run({ seed: options.seed, txs: plan.txs }),
    }));
  } finally {
    await signer.close();
  }
}

async function seedBlocks(
  clients: { control: DevnetClient; burst: DevnetClient },
  genesis: Genesis,
  workload: Workload,
  options: SeedOptions,
  sign: (plan: PlannedBlock) => Promise<SignedBlock>,
): Promise<SeedStats> {
  const { control, burst } = clients;
  const started = performance.now();
  // No constructor runs for code placed this way; the contract needs none (all storage starts at 0).
  await control.setCode({ address: STAKING_ADDRESS, bytecode: MonadStaking.deployedBytecode });
  await control.impersonateAccount({ address: SYSTEM_SENDER });
  // Block N's timestamp is genesis + N seconds, so the same seed gives the same block hashes.
  await control.setBlockTimestampInterval({ interval: 1 });
  const genesisBlock = await control.getBlock({ blockTag: 'latest' });
  let baseFee = genesisBlock.baseFeePerGas ?? 0n;
  let systemNonce = await control.getTransactionCount({ address: SYSTEM_SENDER });
  const first = Number(genesisBlock.number) + 1;
  const last = first + options.blocks - 1;

  const sendSystem = async (what: 'syscallReward' | 'syscallOnEpochChange', data: Hex, value: bigint, gas: bigint): Promise<Sent> => {
    const hash = await control.sendTransaction({
      account: SYSTEM_SENDER,
      chain: null,
      to: STAKING_ADDRESS,
      data,
      value,
      gas,
      nonce: systemNonce++,
      type: 'eip1559',
      // The block's base fee is at most 12.5% above the last header's.
      maxFeePerGas: baseFee * 2n,
      maxPriorityFeePerGas: 0n,
    });
    return { hash, what, gas };
  };

  let transactions = 0;
  let systemTransactions = 0;
  let lastProgress = started;
  /** The system sender's balance after the previous block plus its reward, not yet set. */
  let credit: bigint | undefined;
  const applyCredit = async (): Promise<void> => {
    if (credit !== undefined) await control.setBalance({ address: SYSTEM_SENDER, value: credit });
    credit = undefined;
  };
  let next = sign(workload.planBlock(first, baseFee));
  for (let number = first; number <= last; number++) {
    options.signal?.throwIfAborted();
    const { plan, raw } = await next;
    if (number < last) {
      // Block N+1 is signed while block N is sent and mined. Its max fees are 2× the base fee of
      // block N-1, which covers the ≤ 12.5% per block rise over the two blocks in between.
      next = sign(workload.planBlock(number + 1, baseFee));
      next.catch(() => {}); // awaited next iteration; an earlier failure must not be "unhandled"
    }
    const rewardData = encodeFunctionData({ abi: MonadStaking.abi, functionName: 'syscallReward', args: [plan.author] });
    const sendReward = (): Promise<Sent> => sendSystem('syscallReward', rewardData, BLOCK_REWARD_WEI, REWARD_GAS);
    // Independent of each other, so concurrent: the previous block's credit (an absolute balance,
    // and transactions only execute at evm_mine), the coinbase, and the reward transaction (its
    // sender's genesis fund covers it at admission).
    const [, , reward] = await Promise.all([
      applyCredit(),
      control.setCoinbase({ address: plan.author }),
      plan.rewardFirst ? sendReward() : undefined,
    ]);
    const sent: Sent[] = reward ? [reward] : [];

    const hashes = await Promise.all(raw.map((serializedTransaction) => burst.sendRawTransaction({ serializedTransaction })));
    hashes.forEach((hash, i) => {
      const tx = plan.txs[i]!;
      sent.push({ hash, what: `${tx.kind} from ${genesis.accounts[tx.from]!.account.address} nonce ${tx.nonce}`, gas: tx.gas });
    });
    if (!plan.rewardFirst) sent.push(await sendReward());
    if (plan.newEpoch !== undefined) {
      const data = encodeFunctionData({ abi: MonadStaking.abi, functionName: 'syscallOnEpochChange', args: [plan.newEpoch] });
      sent.push(await sendSystem('syscallOnEpochChange', data, 0n, EPOCH_CHANGE_GAS));
    }
    await control.mine({ blocks: 1 });
    const mined = await checkBlock(control, BigInt(number), sent);
    credit = mined.systemBalance + BLOCK_REWARD_WEI;
    baseFee = mined.baseFee;
    systemTransactions += sent.length - raw.length;
    transactions += raw.length;

    const now = performance.now();
    if (now - lastProgress >= PROGRESS_INTERVAL_MS || number === last) {
      lastProgress = now;
      const seconds = (now - started) / 1000;
      const done = number - first + 1;
      options.log(
        `devnet: seeded block ${done}/${options.blocks}, ${transactions} txs ` +
          `(${Math.round(transactions / seconds)} tx/s, ${Math.round(done / seconds)} blocks/s)`,
      );
    }
  }
  await applyCredit();
  const seconds = (performance.now() - started) / 1000;
  return { blocks: options.blocks, transactions, byKind: { ...workload.counts }, systemTransactions, seconds, lastBlock: BigInt(last) };
}

/** Every sent transaction is in the block and succeeded; returns the base fee and the system sender's balance. */
async function checkBlock(client: DevnetClient, number: bigint, sent: Sent[]): Promise<MinedBlock> {
  const [block, receipts, systemBalance] = await Promise.all([
    client.getBlock({ blockNumber: number }),
    client.getBlockReceipts({ blockNumber: number }),
    client.getBalance({ address: SYSTEM_SENDER, blockNumber: number }),
  ]);
  if (block.transactions.length !== sent.length) {
    throw new Error(`devnet block ${number}: ${block.transactions.length} transactions, ${sent.length} sent (pending ones did not fit?)`);
  }
  const byHash = new Map(receipts.map((r) => [r.transactionHash, r]));
  for (const { hash, what, gas } of sent) {
    const receipt = byHash.get(hash);
    if (receipt?.status !== 'success') {
      throw new Error(
        `devnet block ${number}: ${what} (${hash}) failed, gas used ${receipt?.gasUsed} of ${gas}; the workload model diverged from the chain`,
      );
    }
  }
  return { baseFee: block.baseFeePerGas ?? 0n, systemBalance };
}
