/**
 * RPC faults through the suite's fault proxy, which every service's RPC pool goes through: for a
 * window per injection, a seeded share of requests dropped, answered 429 with Retry-After, slowed
 * past the pool's timeout, answered with malformed JSON, with truncated batches, or with the wrong
 * block.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { RpcFault } from '../../../drivers/chain/rpcFaultProxy.js';
import type { FaultKind } from './faultKind.js';

/**
 * The services' RPC timeout in chaos (TRACE_RPC_POOL_<POOL>_TIMEOUT_MS): a batch of 5 traces takes
 * ~3 s on anvil with the machine loaded (one took 0.6 s at load 13), so 8 s, and a slow answer costs
 * 8 s, not the default 30.
 */
export const CHAOS_RPC_TIMEOUT_MS = 8_000;
/** Calls per batch (TRACE_RPC_POOL_<POOL>_BATCH_SIZE): 5 keeps a batch of traces well inside the timeout. */
export const CHAOS_RPC_BATCH_SIZE = 5;
const FAULTS: readonly RpcFault[] = [
  { kind: 'drop' },
  { kind: 'status', status: 429 },
  { kind: 'delay', ms: CHAOS_RPC_TIMEOUT_MS + 500 },
  { kind: 'malformedJson' },
  { kind: 'truncateBatch' },
  { kind: 'wrongBlock' },
];
/** A window of 1.5 s at 30 %: a few dozen faulted requests of a sync's few hundred per window. */
const WINDOW_MS = 1_500;
const FAULT_PROBABILITY = 0.3;

export const rpcFaults: FaultKind = {
  name: 'rpc_faults',
  summary: 'RPC faults: dropped connections, 429, slow past the timeout, malformed JSON, truncated batches, a wrong block',
  async inject(ctx) {
    const before = ctx.rpc.counters().faults;
    ctx.rpc.setSchedule({ seed: Math.floor(ctx.random() * 2 ** 32), probability: FAULT_PROBABILITY, faults: FAULTS });
    await delay(WINDOW_MS);
    ctx.rpc.setSchedule(undefined);
    const after = ctx.rpc.counters().faults;
    const injected = Object.entries(after)
      .map(([kind, n]) => [kind, n - before[kind as keyof typeof before]] as const)
      .filter(([, n]) => n > 0);
    return `for ${WINDOW_MS / 1000} s: ${injected.map(([kind, n]) => `${n} ${kind}`).join(', ') || 'no request came'}`;
  },
};
