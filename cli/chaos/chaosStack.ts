/**
 * What every kind's run shares, started once and stopped at the end: a seeded devnet, the RPC fault
 * proxy in front of it, the suite's own embedded PostgreSQL and S3 servers (loopback ports,
 * processes this suite started, so a fault may kill and restart them) and an S3 fault proxy in
 * front of that S3 server. Each kind's run gets its own
 * database on that server and its own buckets on that S3 server.
 */
import path from 'node:path';
import { startRpcFaultProxy, type RpcFaultProxy } from '../../drivers/chain/rpcFaultProxy.js';
import { startS3FaultProxy, type S3FaultProxy } from '../../drivers/store/s3FaultProxy.js';
import { createDevnetClient } from '../../drivers/devnet/client.js';
import { startDevnet, type Devnet } from '../../drivers/devnet/devnet.js';
import { planServices } from '../compose/servicePlan.js';
import type { CanonicalChain } from './damage.js';
import { OwnPostgres } from './ownPostgres.js';
import { OwnS3 } from './ownS3.js';

export interface ChaosStack {
  devnet: Devnet;
  rpc: RpcFaultProxy;
  postgres: OwnPostgres;
  s3: OwnS3;
  /** In front of `s3`, on a port of its own: a restarted S3 server keeps its port, so the proxy outlives it. */
  s3Proxy: S3FaultProxy;
  canonical: CanonicalChain;
  stop(): Promise<void>;
}

export async function startChaosStack(options: { runDir: string; composeFile: string; blocks: number; seed: number; signal: AbortSignal }): Promise<ChaosStack> {
  const stops: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      for (const s of [...stops].reverse()) await s().catch(() => undefined);
    })());
  try {
    const devnet = await startDevnet({ dataDir: path.join(options.runDir, 'devnet'), blocks: options.blocks, seed: options.seed, log: () => undefined, signal: options.signal });
    stops.push(() => devnet.stop());
    const rpc = await startRpcFaultProxy({ target: devnet.description.rpc_url });
    stops.push(() => rpc.stop());
    const postgres = await OwnPostgres.start(path.join(options.runDir, 'postgres'));
    stops.push(() => postgres.stop());
    const s3Plan = planServices(options.composeFile).find((p) => p.kind === 's3');
    if (s3Plan?.kind !== 's3') throw new Error(`${options.composeFile} has no MinIO service whose credentials the suite's S3 server could take`);
    const s3 = await OwnS3.start(path.join(options.runDir, 's3'), { accessKeyId: s3Plan.accessKeyId, secretAccessKey: s3Plan.secretAccessKey });
    stops.push(() => s3.stop());
    const s3Proxy = await startS3FaultProxy({ target: s3.endpoint });
    stops.push(() => s3Proxy.stop());
    const canonical = await canonicalChain(devnet.description.rpc_url, devnet.description.last_block);
    return { devnet, rpc, postgres, s3, s3Proxy, canonical, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Each block's hash and transaction hashes, from the devnet itself (not through the proxy). */
export async function canonicalChain(rpcUrl: string, lastBlock: number): Promise<CanonicalChain> {
  const client = createDevnetClient(rpcUrl);
  const chain: CanonicalChain = [];
  for (let n = 0; n <= lastBlock; n++) {
    const block = await client.getBlock({ blockNumber: BigInt(n) });
    chain.push({ block_number: n, block_hash: block.hash, transaction_hashes: block.transactions });
  }
  return chain;
}
