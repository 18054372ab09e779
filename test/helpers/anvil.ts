/**
 * A plain anvil for chain tests: started on a free loopback port with chain id 10143 and
 * `--order fifo` (with the default fee ordering, batched sends can stall on anvil 1.7), its
 * state cache in a temporary directory that `stop()` removes. `seedWorkload` mines a small,
 * varied chain: a contract creation, nested calls with a reverted inner call, logs with 0–3 topics,
 * legacy, EIP-2930 and EIP-1559 transactions, a reverted transaction and empty blocks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  createTestClient,
  defineChain,
  encodeFunctionData,
  http,
  parseAbi,
  parseEther,
  publicActions,
  walletActions,
  type Address,
  type Hash,
  type Hex,
} from 'viem';

export const ANVIL_CHAIN_ID = 10143;

/** anvil's default dev accounts (mnemonic "test test … junk"), unlocked for eth_sendTransaction. */
export const DEV_ACCOUNTS: readonly Address[] = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
];

/**
 * Test contract (solc 0.8.37, optimizer 200 runs, evm cancun):
 *
 *   event Ping(address indexed from, uint256 indexed n, bytes data);
 *   event Pong(uint256 n) anonymous;
 *   function ping(uint256 n) public payable { emit Ping(msg.sender, n, msg.data); emit Pong(n); }
 *   function fanout(address target, uint256 n) external payable {
 *     for (uint256 i = 0; i < n; i++) Fixture(target).ping{value: i == 0 ? msg.value : 0}(i);
 *     try Fixture(target).boom() {} catch {}
 *   }
 *   function boom() external pure { revert("boom"); }
 */
const FIXTURE_BYTECODE = (
  '0x6080604052348015600e575f5ffd5b506102838061001c5f395ff3fe608060405260043610610033575f3560e01c80630b' +
  '39bade14610037578063773acdef1461004c578063a169ce091461005f575b5f5ffd5b61004a6100453660046101d3565b61' +
  '0073565b005b61004a61005a366004610208565b610141565b34801561006a575f5ffd5b5061004a610199565b5f5b818110' +
  '156100f3576001600160a01b03831663773acdef8215610098575f61009a565b345b836040518363ffffffff1660e01b8152' +
  '6004016100b991815260200190565b5f604051808303818588803b1580156100d0575f5ffd5b505af11580156100e2573d5f' +
  '5f3e3d5ffd5b505060019093019250610075915050565b50816001600160a01b031663a169ce096040518163ffffffff1660' +
  'e01b81526004015f6040518083038186803b15801561012b575f5ffd5b505afa92505050801561013c575060015b50505056' +
  '5b80336001600160a01b03167f1357ced6b1561b5e4d78f91f6ef06a85126d60f4d1cc9bcba20ac1b1c5d460075f36604051' +
  '61017d92919061021f565b60405180910390a360405181815260200160405180910390a050565b60405162461bcd60e51b81' +
  '526004016101ca90602080825260049082015263626f6f6d60e01b604082015260600190565b60405180910390fd5b5f5f60' +
  '4083850312156101e4575f5ffd5b82356001600160a01b03811681146101fa575f5ffd5b946020939093013593505050565b' +
  '5f60208284031215610218575f5ffd5b5035919050565b60208152816020820152818360408301375f818301604090810191' +
  '909152601f909201601f1916010191905056fea264697066735822122085193cdf7a09b343098a7adec47439b8901258770c' +
  'cce263e10909f6e0b195cd64736f6c63430008250033') as Hex;

const FIXTURE_ABI = parseAbi(['function ping(uint256 n) payable', 'function fanout(address target, uint256 n) payable', 'function boom() pure']);

export interface TestAnvil {
  url: string;
  stop(): Promise<void>;
}

function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = createRequire(import.meta.url).resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  return join(dirname(pkg), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts anvil and waits until it answers `eth_chainId` (up to 15 s). */
export async function startAnvil(extraArgs: readonly string[] = []): Promise<TestAnvil> {
  const cache = mkdtempSync(join(tmpdir(), 'anvil-test-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    anvilBinary(),
    ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(ANVIL_CHAIN_ID), '--order', 'fifo', '--cache-path', cache, ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test process that dies without its teardown must not leave anvil running.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(cache, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`anvil exited with code ${child.exitCode}: ${stderr}`);
    }
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
      if (response.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`anvil did not answer on ${url} within 15 s: ${stderr}`);
    }
    await delay(50);
  }
}

export interface SeededWorkload {
  /** The Fixture contract. */
  fixture: Address;
  /** Every block that has transactions or was mined by the seed: `[1, head + 1)`. */
  head: number;
  transactions: Hash[];
}

/**
 * Mines `rounds` blocks of 6 transactions each (one per kind below, senders rotating over the dev
 * accounts), with an empty block after every 5th, after a block that deploys the Fixture.
 */
export async function seedWorkload(url: string, rounds = 12): Promise<SeededWorkload> {
  const chain = defineChain({
    id: ANVIL_CHAIN_ID,
    name: 'anvil-test',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const client = createTestClient({ mode: 'anvil', chain, transport: http(url) })
    .extend(publicActions)
    .extend(walletActions);

  const deploy = await client.deployContract({ abi: FIXTURE_ABI, bytecode: FIXTURE_BYTECODE, account: DEV_ACCOUNTS[0]! });
  const deployed = await client.waitForTransactionReceipt({ hash: deploy });
  const fixture = deployed.contractAddress!;
  const transactions: Hash[] = [deploy];

  await client.setAutomine(false);
  try {
    for (let round = 0; round < rounds; round++) {
      const sender = (k: number): Address => DEV_ACCOUNTS[(round + k) % DEV_ACCOUNTS.length]!;
      const gasPrice = 5_000_000_000n;
      // Sent one by one so anvil mines them in this order (fifo) with consecutive nonces.
      const sends: (() => Promise<Hash>)[] = [
        // Nested calls, logs, value, and a reverted inner call.
        () => client.sendTransaction({ account: sender(0), to: fixture, data: encodeFunctionData({ abi: FIXTURE_ABI, functionName: 'fanout', args: [fixture, BigInt(1 + (round % 3))] }), value: BigInt(round + 1), gas: 500_000n }),
        () => client.sendTransaction({ account: sender(1), to: fixture, data: encodeFunctionData({ abi: FIXTURE_ABI, functionName: 'ping', args: [BigInt(round)] }), gas: 100_000n }),
        // A legacy and an EIP-2930 value transfer.
        () => client.sendTransaction({ account: sender(2), to: sender(3), value: parseEther('0.5'), gasPrice, type: 'legacy' }),
        () => client.sendTransaction({ account: sender(3), to: sender(4), value: 12_345n, gasPrice, accessList: [], type: 'eip2930' }),
        // An EIP-1559 transfer to a fresh address.
        () => client.sendTransaction({ account: sender(4), to: `0x${(0xdead0000 + round).toString(16).padStart(40, '0')}`, value: 1n, type: 'eip1559' }),
        // Reverts: the transaction fails (success = false) with its gas spent.
        () => client.sendTransaction({ account: sender(1), to: fixture, data: encodeFunctionData({ abi: FIXTURE_ABI, functionName: 'boom' }), gas: 60_000n }),
      ];
      for (const send of sends) transactions.push(await send());
      await client.mine({ blocks: 1 });
      if (round % 5 === 4) await client.mine({ blocks: 1 });
    }
  } finally {
    await client.setAutomine(true);
  }
  // viem caches the block number for its polling interval (4 s); the seed must see its own blocks.
  const head = Number(await client.getBlockNumber({ cacheTime: 0 }));
  return { fixture, head, transactions };
}

/** A follow_head job over the devnet's blocks and transactions at the tip, small ranges, fast head polls (reorg tests). */
export const TIP_FOLLOW_JOB = `kind: chain_sync
name: tip
chain_id: ${ANVIL_CHAIN_ID}
mode: {kind: follow_head, from_block: 0, tail_lag: 0, head_poll_interval_seconds: 0.2}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 3, max_inflight: 2}
  transactions: {cryo_dataset_name: transactions, rpc_pool: devnet, chunk_size: 3, max_inflight: 2}
`;
