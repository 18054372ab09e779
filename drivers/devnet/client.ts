/** viem clients for the devnet: typed JSON-RPC (public, wallet and anvil test actions) over HTTP. */
import { createTestClient, defineChain, http, publicActions, walletActions, type Chain } from 'viem';
import { MONAD_CHAIN_ID } from './monad.js';

export function devnetChain(rpcUrl: string): Chain {
  return defineChain({
    id: MONAD_CHAIN_ID,
    name: 'Trace Lite devnet (Monad-like)',
    nativeCurrency: { name: 'MON', symbol: 'MON', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * `batch: true` groups calls made in the same tick into one JSON-RPC batch (for bursts of sends);
 * leave it off for sequential calls, which would otherwise each wait a timer tick (≥ 1 ms).
 * No retries: a resent transaction would fail as "already known".
 */
export function createDevnetClient(rpcUrl: string, options: { batch?: boolean } = {}) {
  return createTestClient({
    mode: 'anvil',
    chain: devnetChain(rpcUrl),
    transport: http(rpcUrl, { batch: options.batch ? { batchSize: 1_000 } : false, retryCount: 0, timeout: 60_000 }),
  })
    .extend(publicActions)
    .extend(walletActions);
}

export type DevnetClient = ReturnType<typeof createDevnetClient>;
