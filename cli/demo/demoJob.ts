/**
 * The demo's chain_sync job: blocks, transactions and logs (and geth_calls with traces, and the
 * geth_balance_diffs the native-coin analytics answer from) of one chain from the `demo` RPC pool. It follows the head unless given a fixed target (the harness's, so the
 * job completes); the harness also takes smaller chunks, so a short chain still has many ranges.
 */
import { RPC_POOL_ENV_PREFIX } from '../../drivers/chain/rpcPools.js';

export const DEMO_RPC_POOL = 'demo';
/** The variable that points the demo's pool at a chain. */
export const DEMO_RPC_POOL_VARIABLE = `${RPC_POOL_ENV_PREFIX}${DEMO_RPC_POOL.toUpperCase()}_URL`;
/** Blocks per range: a 500-block demo chain in 5 ranges per stream… */
const CHUNK_SIZE = 100;
/** …but traces in fifths of that: anvil traces ~10 blocks/s, so a 100-block range would hold a slot for 10 s. */
const TRACE_CHUNK_SIZE = 20;
/** Ranges in flight per stream: 3 streams × 4 = 12 attempts, above one node's 8 slots, so none idles. */
const MAX_INFLIGHT = 4;

export interface DemoJobOptions {
  chainId: number;
  fromBlock: number;
  /** End-exclusive fixed target; the job follows the head when omitted. */
  toBlock?: number;
  traces: boolean;
  /** Also geth_balance_diffs (prestateTracer, a trace stream): what the native-coin analytics read. */
  balanceDiffs: boolean;
  /** Blocks per range of the non-trace streams. */
  chunkSize?: number;
  /** Ranges in flight per stream (more workers need more to share). */
  maxInflight?: number;
  /** Blocks per range of the trace streams (geth_calls, geth_balance_diffs). */
  traceChunkSize?: number;
}

export function demoSyncJobYaml({ chainId, fromBlock, toBlock, traces, balanceDiffs, chunkSize = CHUNK_SIZE, maxInflight = MAX_INFLIGHT, traceChunkSize = TRACE_CHUNK_SIZE }: DemoJobOptions): string {
  const streams = ['blocks', 'transactions', 'logs', ...(traces ? ['geth_calls'] : []), ...(balanceDiffs ? ['geth_balance_diffs'] : [])];
  const traceStream = (s: string): boolean => s === 'geth_calls' || s === 'geth_balance_diffs';
  const mode =
    toBlock === undefined
      ? `{kind: follow_head, from_block: ${fromBlock}, head_poll_interval_seconds: 0.5}`
      : `{kind: fixed_target, from_block: ${fromBlock}, to_block: ${toBlock}}`;
  return [
    'kind: chain_sync',
    'name: demo',
    `chain_id: ${chainId}`,
    `mode: ${mode}`,
    'streams:',
    ...streams.map(
      (s) => `  ${s}: {cryo_dataset_name: ${s}, rpc_pool: ${DEMO_RPC_POOL}, chunk_size: ${traceStream(s) ? traceChunkSize : chunkSize}, max_inflight: ${maxInflight}}`,
    ),
  ].join('\n');
}
