/**
 * `trace-lite devnet`: a Monad-like chain on a local anvil, seeded with a deterministic workload.
 *
 * Layout under the Lite data directory: `devnet/run-<pid>-<time>/` holds genesis.json and anvil's
 * state cache; it is removed on stop, and runs whose process is gone are removed on the next start.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Address } from 'viem';
import { startAnvil, type AnvilNode } from './anvil.js';
import { createDevnetClient } from './client.js';
import { buildGenesis, genesisJson } from './genesis.js';
import { MONAD_CHAIN_ID, STAKING_ADDRESS, SYSTEM_SENDER } from './monad.js';
import { seedChain, type SeedStats } from './seed.js';
import { BLOCK_GAS_LIMIT, MIN_ACCOUNTS, REFERENCE_BASE_FEE, Workload } from './workload.js';
import { DEVNET_DEFAULTS } from './devnetDefaults.js';

/**
 * History retention. anvil keeps block states in memory up to 500; past that its memory limit shrinks
 * by one per block (to 10) and older states go to the cache path as 0.3–0.5 MB files, deleted beyond
 * --max-persisted-states. We keep every seeded block's state (historic eth_getBalance/eth_call over
 * the whole seeded range, as analytics and tests need) plus this many blocks mined afterwards.
 * Measured with 300 accounts: cache 0 MB at 500 blocks, 122 MB at 700, 481 MB at 1,000.
 */
const EXTRA_PERSISTED_STATES = 1_000;
export const ANVIL_PID_FILE = 'anvil.pid';

export interface DevnetOptions {
  /** Lite data directory. */
  dataDir: string;
  /** Loopback port; a free one when omitted. */
  port?: number;
  seed?: number;
  blocks?: number;
  accounts?: number;
  /** Progress lines; stderr when omitted. */
  log?: (line: string) => void;
  /** Aborting while seeding stops anvil, cleans up and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DevnetDescription {
  rpc_url: string;
  chain_id: number;
  /** Sum of the genesis allocation, in wei, as a decimal string. */
  genesis_supply_wei: string;
  contracts: { staking: Address; erc20: Address };
  validator_ids: number[];
  /** The funded accounts of the workload (the system sender is listed separately). */
  accounts: Address[];
  system_sender: Address;
  last_block: number;
  seed: number;
}

export interface Devnet {
  description: DevnetDescription;
  stats: SeedStats;
  /** This run's directory (genesis.json, anvil cache); removed by stop(). */
  runDir: string;
  /** Resolves if anvil ends before stop() is called. */
  exited: Promise<void>;
  /** Seeds `blocks` more blocks of the same workload (a chain that keeps producing); returns the new last block. */
  extend(blocks: number): Promise<number>;
  stop(): Promise<void>;
}

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const seed = options.seed ?? DEVNET_DEFAULTS.seed;
  const blocks = options.blocks ?? DEVNET_DEFAULTS.blocks;
  const accounts = options.accounts ?? DEVNET_DEFAULTS.accounts;
  const log = options.log ?? stderrLog;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`devnet seed must be an integer in [0, 2^32), got ${seed}`);
  if (!Number.isInteger(blocks) || blocks < 1) throw new RangeError(`devnet blocks must be a positive integer, got ${blocks}`);
  if (!Number.isInteger(accounts) || accounts < MIN_ACCOUNTS) throw new RangeError(`devnet accounts must be an integer ≥ ${MIN_ACCOUNTS}, got ${accounts}`);

  const devnetDir = path.resolve(options.dataDir, 'devnet');
  await removeStaleRuns(devnetDir);
  const runDir = path.join(devnetDir, `run-${process.pid}-${Date.now()}`);
  await mkdir(runDir, { recursive: true });

  const genesis = buildGenesis(seed, accounts);
  const workload = new Workload(genesis, { seed });
  const genesisPath = path.join(runDir, 'genesis.json');
  await writeFile(genesisPath, genesisJson(genesis, MONAD_CHAIN_ID));

  let anvil: AnvilNode;
  try {
    anvil = await startAnvil({
      port: options.port,
      chainId: MONAD_CHAIN_ID,
      genesisPath,
      cachePath: path.join(runDir, 'cache'),
      maxPersistedStates: blocks + EXTRA_PERSISTED_STATES,
      blockGasLimit: BLOCK_GAS_LIMIT,
      baseFee: REFERENCE_BASE_FEE,
    });
  } catch (err) {
    await rm(runDir, { recursive: true, force: true });
    throw err;
  }
  const stop = async (): Promise<void> => {
    await anvil.stop();
    await rm(runDir, { recursive: true, force: true });
  };

  try {
    // Lets the next start kill this anvil if this process dies without stop() (SIGKILL skips 'exit').
    await writeFile(path.join(runDir, ANVIL_PID_FILE), String(anvil.pid));
    log(`devnet: anvil on ${anvil.rpcUrl} (pid ${anvil.pid}), seeding ${blocks} blocks for ${accounts} accounts, seed ${seed}`);
    const clients = { control: createDevnetClient(anvil.rpcUrl), burst: createDevnetClient(anvil.rpcUrl, { batch: true }) };
    const stats = await seedChain(clients, genesis, workload, { seed, blocks, log, signal: options.signal });
    const description: DevnetDescription = {
      rpc_url: anvil.rpcUrl,
      chain_id: MONAD_CHAIN_ID,
      genesis_supply_wei: genesis.supplyWei.toString(),
      contracts: { staking: STAKING_ADDRESS, erc20: workload.tokenAddress },
      validator_ids: workload.validatorIds.map(Number),
      accounts: genesis.accounts.map((a) => a.account.address),
      system_sender: SYSTEM_SENDER,
      last_block: Number(stats.lastBlock),
      seed,
    };
    const extend = async (more: number): Promise<number> => {
      const extended = await seedChain(clients, genesis, workload, { seed, blocks: more, log });
      description.last_block = Number(extended.lastBlock);
      return description.last_block;
    };
    return { description, stats, runDir, exited: anvil.exited, stop, extend };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The CLI command: seeds, writes the description (`out`, and stdout with `json`), then serves until
 * SIGINT/SIGTERM. Returns the exit code: 0 after a signal, 130 if interrupted while seeding, 1 if
 * anvil died on its own.
 */
export async function runDevnetCommand(options: DevnetOptions & { out?: string; json?: boolean }): Promise<number> {
  const interrupted = new AbortController();
  const onSignal = (): void => interrupted.abort(new Error('interrupted'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let devnet: Devnet;
    try {
      devnet = await startDevnet({ ...options, signal: interrupted.signal });
    } catch (err) {
      if (!interrupted.signal.aborted) throw err;
      process.stderr.write('devnet: interrupted while seeding; stopped\n');
      return 130;
    }
    const { description } = devnet;
    if (options.out) await writeAtomically(options.out, `${JSON.stringify(description, null, 2)}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
    else process.stdout.write(`devnet ready: ${description.rpc_url} chain ${description.chain_id}, blocks 1..${description.last_block}; Ctrl-C stops it\n`);

    const outcome = await Promise.race([
      new Promise<'signal'>((resolve) => {
        if (interrupted.signal.aborted) resolve('signal');
        interrupted.signal.addEventListener('abort', () => resolve('signal'), { once: true });
      }),
      devnet.exited.then(() => 'exited' as const),
    ]);
    await devnet.stop();
    if (outcome === 'exited') {
      process.stderr.write('devnet: anvil exited unexpectedly\n');
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/**
 * Removes `run-<pid>-*` directories whose process no longer exists (killed without cleanup), and
 * kills their anvil if it still runs: on Linux, only when /proc shows it is that run's anvil.
 */
async function removeStaleRuns(devnetDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(devnetDir);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = Number(/^run-(\d+)-/.exec(name)?.[1]);
    if (!owner || owner === process.pid || processAlive(owner)) continue;
    const runDir = path.join(devnetDir, name);
    const anvilPid = Number(await readFile(path.join(runDir, ANVIL_PID_FILE), 'utf8').catch(() => ''));
    if (anvilPid && processAlive(anvilPid)) {
      const cmdline = await readFile(`/proc/${anvilPid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(runDir)) process.kill(anvilPid, 'SIGKILL');
    }
    await rm(runDir, { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
