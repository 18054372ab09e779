/**
 * The Monad-like devnet against a real anvil over JSON-RPC: one seeded chain (40 blocks) shared by
 * the read-only checks, plus small ones for determinism and teardown.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import {
  decodeEventLog,
  getAddress,
  parseAbi,
  toEventSelector,
  toFunctionSelector,
  type Abi,
  type AbiEvent,
  type Address,
} from 'viem';
import { createDevnetClient, type DevnetClient } from '../../drivers/devnet/client.js';
import { MonadStaking, TraceToken } from '../../drivers/devnet/contracts.generated.js';
import { startDevnet, type Devnet } from '../../drivers/devnet/devnet.js';
import { BLOCK_REWARD_WEI, MONAD_CHAIN_ID, MONAD_STAKING_ABI, STAKING_ADDRESS, STAKING_SELECTORS, SYSTEM_SENDER } from '../../drivers/devnet/monad.js';

const BLOCKS = 40;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ERC20_TRANSFER = parseAbi(['event Transfer(address indexed from, address indexed to, uint256 value)']);
const ZERO = '0x0000000000000000000000000000000000000000';
const quiet = (): void => {};

/** Blocks 1..BLOCKS with their transactions. */
function fetchBlocks(client: DevnetClient) {
  return Promise.all(Array.from({ length: BLOCKS }, (_, i) => client.getBlock({ blockNumber: BigInt(i + 1), includeTransactions: true })));
}

interface Chain {
  devnet: Devnet;
  client: DevnetClient;
  blocks: Awaited<ReturnType<typeof fetchBlocks>>;
}

let dataDir = '';
let chain: Chain | undefined;

test.before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'trace-devnet-'));
  const devnet = await startDevnet({ dataDir, blocks: BLOCKS, seed: 42, log: quiet });
  const client = createDevnetClient(devnet.description.rpc_url, { batch: true });
  chain = { devnet, client, blocks: await fetchBlocks(client) };
});

test.after.always(async () => {
  await chain?.devnet.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function seeded(): Chain {
  if (!chain) throw new Error('the devnet did not start');
  return chain;
}

/** Staking logs decoded with Monad's published ABI (strict: wrong topics or data throw). */
async function stakingEvents(c: Chain) {
  const logs = await c.client.getLogs({ address: STAKING_ADDRESS, fromBlock: 1n, toBlock: BigInt(BLOCKS) });
  return logs.map((log) => ({ log, event: decodeEventLog({ abi: MONAD_STAKING_ABI, topics: log.topics, data: log.data, strict: true }) }));
}

test('the seeded devnet answers and describes itself', async (t) => {
  const { devnet, client } = seeded();
  const d = devnet.description;
  t.is(await client.getChainId(), MONAD_CHAIN_ID);
  t.is(d.chain_id, MONAD_CHAIN_ID);
  t.is(await client.getBlockNumber({ cacheTime: 0 }), BigInt(d.last_block));
  t.is(d.last_block, BLOCKS);
  t.deepEqual(d.validator_ids, Array.from({ length: 20 }, (_, i) => i + 1));
  t.is(d.accounts.length, 300);
  t.is(d.system_sender, SYSTEM_SENDER);
  t.deepEqual(d.contracts.staking, STAKING_ADDRESS);
  t.is(await client.getCode({ address: STAKING_ADDRESS }), MonadStaking.deployedBytecode);
  t.is(await client.readContract({ address: d.contracts.erc20, abi: TraceToken.abi, functionName: 'symbol' }), 'TRACE');
  // Genesis supply is the genesis allocation: the funded accounts plus the system sender's gas fund.
  const atGenesis = await Promise.all([...d.accounts, SYSTEM_SENDER].map((address) => client.getBalance({ address, blockNumber: 0n })));
  t.is(atGenesis.reduce((a, b) => a + b, 0n), BigInt(d.genesis_supply_wei));
});

test('the committed bytecode was generated from the committed sources', async (t) => {
  for (const contract of [MonadStaking, TraceToken]) {
    const source = await readFile(path.join(ROOT, contract.source), 'utf8');
    t.is(createHash('sha256').update(source).digest('hex'), contract.sourceSha256, `${contract.source} changed: run npm run contracts`);
  }
});

test("the staking contract has Monad's selectors and event signatures", (t) => {
  for (const item of MONAD_STAKING_ABI) {
    if (item.type === 'function') {
      const signature = `${item.name}(${item.inputs.map((i) => i.type).join(',')})`;
      t.is<string | undefined, string | undefined>(toFunctionSelector(item), STAKING_SELECTORS[signature], signature);
      t.true(MonadStaking.abi.some((own) => own.type === 'function' && toFunctionSelector(own) === toFunctionSelector(item)), signature);
    } else if (item.type === 'event') {
      const monad: AbiEvent = item;
      const own = (MonadStaking.abi as Abi).find((e): e is AbiEvent => e.type === 'event' && e.name === monad.name);
      t.truthy(own, monad.name);
      t.is(toEventSelector(own!), toEventSelector(monad), monad.name);
      const indexed = (event: AbiEvent): boolean[] => event.inputs.map((i) => i.indexed === true);
      t.deepEqual(indexed(own!), indexed(monad), `${monad.name} indexed fields`);
    }
  }
});

test("staking events decode with Monad's ABI, indexed fields in the topics", async (t) => {
  const c = seeded();
  const events = await stakingEvents(c);
  const names = new Set<string>(events.map((e) => e.event.eventName));
  for (const name of ['ValidatorCreated', 'Delegate', 'Undelegate', 'Withdraw', 'ClaimRewards', 'ValidatorRewarded', 'EpochChanged']) {
    t.true(names.has(name), `${name} emitted`);
  }
  const accounts = new Set<Address>(c.devnet.description.accounts);
  for (const { log, event } of events) {
    switch (event.eventName) {
      case 'EpochChanged':
        t.is(log.topics.length, 1); // nothing indexed
        t.is(event.args.newEpoch, event.args.oldEpoch + 1n);
        break;
      case 'ValidatorRewarded':
        t.is(log.topics.length, 3);
        t.is(BigInt(log.topics[1]!), event.args.validatorId);
        t.is(event.args.from, SYSTEM_SENDER);
        t.is(event.args.amount, BLOCK_REWARD_WEI);
        break;
      case 'ValidatorCreated':
        t.is(log.topics.length, 3);
        t.true(accounts.has(event.args.authAddress));
        break;
      default:
        // Delegate, Undelegate, Withdraw, ClaimRewards: (validatorId, delegator) indexed.
        t.is(log.topics.length, 3, event.eventName);
        t.is(BigInt(log.topics[1]!), event.args.validatorId);
        t.is(getAddress(`0x${log.topics[2]!.slice(26)}`), event.args.delegator);
        t.true(accounts.has(event.args.delegator), `${event.eventName} from a funded account`);
    }
  }
});

test('every seeded block has one syscallReward system transaction from the system sender', async (t) => {
  const { blocks, client } = seeded();
  for (const block of blocks) {
    const system = block.transactions.filter((tx) => getAddress(tx.from) === SYSTEM_SENDER);
    const rewards = system.filter((tx) => tx.to !== null && getAddress(tx.to) === STAKING_ADDRESS && tx.input.startsWith('0x791bdcf3'));
    t.is(rewards.length, 1, `block ${block.number}`);
    const reward = rewards[0]!;
    t.is(reward.value, BLOCK_REWARD_WEI);
    // Monad runs it before user transactions; block 1 first creates the validators it rewards.
    if (block.number > 1n) t.is(reward.transactionIndex, 0);
    // The argument is the block author, who is also the coinbase collecting priority fees.
    t.is(getAddress(`0x${reward.input.slice(-40)}`), getAddress(block.miner));
  }
  const receipts = (await Promise.all(blocks.map((b) => client.getBlockReceipts({ blockNumber: b.number })))).flat();
  t.true(receipts.every((r) => r.status === 'success'), 'no seeded transaction failed');
});

test('ERC-20 totalSupply equals mints minus burns from Transfer logs, at the tip and historically', async (t) => {
  const c = seeded();
  const erc20 = c.devnet.description.contracts.erc20;
  const logs = await c.client.getLogs({ address: erc20, event: ERC20_TRANSFER[0], fromBlock: 1n, toBlock: BigInt(BLOCKS), strict: true });
  const supplyAt = (block: bigint): bigint =>
    logs
      .filter((l) => l.blockNumber <= block)
      .reduce((sum, { args }) => sum + (args.from === ZERO ? args.value : 0n) - (args.to === ZERO ? args.value : 0n), 0n);
  t.true(logs.some((l) => l.args.from === ZERO) && logs.some((l) => l.args.to === ZERO), 'mints and burns');
  t.true(logs.filter((l) => l.args.from !== ZERO && l.args.to !== ZERO).length > 100, 'many transfers');
  for (const block of [BigInt(BLOCKS / 2), BigInt(BLOCKS)]) {
    const totalSupply = await c.client.readContract({ address: erc20, abi: TraceToken.abi, functionName: 'totalSupply', blockNumber: block });
    t.is(totalSupply, supplyAt(block), `block ${block}`);
  }
});

test('native supply: Σ balances at block N = genesis + Σ rewards − Σ burned base fees, at sampled historic blocks', async (t) => {
  const { devnet, client, blocks } = seeded();
  // Everything that could hold a balance: the genesis alloc, every transaction's sender and (contracts included) and every coinbase.
  // recipient (contracts included) and every coinbase. RPC addresses are lowercase: checksum all.
  const holders = new Set<Address>([...devnet.description.accounts, SYSTEM_SENDER, devnet.description.contracts.erc20]);
  const add = (address: Address | null): void => void (address && holders.add(getAddress(address)));
  for (const block of blocks) {
    add(block.miner);
    for (const tx of block.transactions) {
      add(tx.from);
      add(tx.to);
    }
  }

  const expected = new Map<bigint, bigint>([[0n, BigInt(devnet.description.genesis_supply_wei)]]);
  let supply = BigInt(devnet.description.genesis_supply_wei);
  for (const block of blocks) {
    const rewards = block.transactions
      .filter((tx) => getAddress(tx.from) === SYSTEM_SENDER && tx.input.startsWith('0x791bdcf3'))
      .reduce((sum, tx) => sum + tx.value, 0n);
    supply += rewards - block.baseFeePerGas! * block.gasUsed;
    expected.set(block.number, supply);
  }
  t.true(blocks.every((b) => b.baseFeePerGas! > 0n && b.gasUsed > 0n), 'every block burns base fees');

  for (const n of [0n, 1n, 2n, 9n, 10n, 11n, 23n, BigInt(BLOCKS - 1), BigInt(BLOCKS)]) {
    const balances = await Promise.all([...holders].map((address) => client.getBalance({ address, blockNumber: n })));
    t.is<bigint | undefined, bigint | undefined>(balances.reduce((a, b) => a + b, 0n), expected.get(n), `block ${n}`);
  }
});

test('getValidator(id) stake equals Σ Delegate − Σ Undelegate from events', async (t) => {
  const c = seeded();
  const events = await stakingEvents(c);
  const stakeAt = (id: bigint, block: bigint): bigint =>
    events.reduce((sum, { log, event }) => {
      if (log.blockNumber > block) return sum;
      if (event.eventName === 'Delegate' && event.args.validatorId === id) return sum + event.args.amount;
      if (event.eventName === 'Undelegate' && event.args.validatorId === id) return sum - event.args.amount;
      return sum;
    }, 0n);
  const stakes: bigint[] = [];
  for (const id of c.devnet.description.validator_ids.map(BigInt)) {
    for (const block of [BigInt(BLOCKS / 2), BigInt(BLOCKS)]) {
      // Decoded with Monad's ABI: stake is the third word of getValidator's return data.
      const [, , stake] = await c.client.readContract({
        address: STAKING_ADDRESS,
        abi: MONAD_STAKING_ABI,
        functionName: 'getValidator',
        args: [id],
        blockNumber: block,
      });
      t.is(stake, stakeAt(id, block), `validator ${id} at block ${block}`);
      if (block === BigInt(BLOCKS)) stakes.push(stake);
    }
  }
  // Delegations are skewed: the largest validator holds several times the median stake.
  const sorted = [...stakes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  t.true(sorted[sorted.length - 1]! > 3n * sorted[sorted.length / 2]!, 'stake is concentrated');
});

test('the same seed gives the same chain', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'trace-devnet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const hashes: string[][] = [];
  for (let run = 0; run < 2; run++) {
    const devnet = await startDevnet({ dataDir: dir, blocks: 8, seed: 7, accounts: 40, log: quiet });
    try {
      const client = createDevnetClient(devnet.description.rpc_url, { batch: true });
      hashes.push(await Promise.all(Array.from({ length: 9 }, async (_, n) => (await client.getBlock({ blockNumber: BigInt(n) })).hash)));
    } finally {
      await devnet.stop();
    }
  }
  t.deepEqual(hashes[0], hashes[1]);
});

test('stop() ends anvil and removes its run directory and state cache', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'trace-devnet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const devnet = await startDevnet({ dataDir: dir, blocks: 2, accounts: 40, log: quiet });
  t.true(existsSync(path.join(devnet.runDir, 'genesis.json')));
  await devnet.stop();
  t.false(existsSync(devnet.runDir));
  await devnet.exited; // resolved: the process is gone
  const client = createDevnetClient(devnet.description.rpc_url);
  await t.throwsAsync(() => client.getChainId(), undefined, 'the RPC no longer answers');
});
