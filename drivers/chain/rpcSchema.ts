/**
 * The JSON-RPC methods the chain driver calls, in viem's `RpcSchema` form: viem's own entries for
 * the `eth_` methods, plus `debug_traceBlockByNumber` with geth's `callTracer` or `prestateTracer`
 * in diff mode (viem has no type for them). `RpcPool.call`/`batch` are typed against this schema.
 */
import type { Address, Hash, Hex, PublicRpcSchema, Quantity } from 'viem';

type PublicEntry<M extends PublicRpcSchema[number]['Method']> = Extract<PublicRpcSchema[number], { Method: M }>;

/** One frame of geth's `callTracer` output; `calls` are the frame's sub-calls in execution order. */
export interface CallFrame {
  type: string;
  from: Address;
  /** Absent for a CREATE that failed before an address was assigned. */
  to?: Address | undefined;
  /** Absent for STATICCALL and DELEGATECALL frames. */
  value?: Quantity | undefined;
  gas: Quantity;
  gasUsed: Quantity;
  input: Hex;
  output?: Hex | undefined;
  error?: string | undefined;
  revertReason?: string | undefined;
  calls?: CallFrame[] | undefined;
}

/** One account's state in geth's `prestateTracer` output; diff mode leaves out the fields a transaction did not change. */
export interface AccountState {
  balance?: Quantity | undefined;
  nonce?: number | undefined;
  code?: Hex | undefined;
  storage?: Record<Hash, Hash> | undefined;
}

/** geth's `prestateTracer` in diff mode: the touched accounts before the transaction, and what it changed. */
export interface PrestateDiff {
  pre: Record<Address, AccountState>;
  post: Record<Address, AccountState>;
}

/** One transaction's entry in `debug_traceBlockByNumber`: its trace (of the tracer asked for), or why tracing it failed. */
export type TransactionTrace<Result = CallFrame> =
  | { txHash?: Hash | undefined; result: Result; error?: undefined }
  | { txHash?: Hash | undefined; result?: undefined; error: string };

export type CallTracerConfig = { tracer: 'callTracer'; tracerConfig?: { onlyTopCall?: boolean } | undefined };
export type PrestateDiffTracerConfig = { tracer: 'prestateTracer'; tracerConfig: { diffMode: true } };

export type ChainRpcSchema = [
  PublicEntry<'eth_chainId'>,
  PublicEntry<'eth_blockNumber'>,
  PublicEntry<'eth_getBlockByNumber'>,
  PublicEntry<'eth_getBlockReceipts'>,
  PublicEntry<'eth_getLogs'>,
  PublicEntry<'eth_getBalance'>,
  {
    Method: 'debug_traceBlockByNumber';
    Parameters: [block: Quantity, config: CallTracerConfig | PrestateDiffTracerConfig];
    /** The result shape is the tracer's: callers narrow it by the config they sent (fetch.ts). */
    ReturnType: TransactionTrace<CallFrame | PrestateDiff>[];
  },
];

export type ChainRpcMethod = ChainRpcSchema[number]['Method'];
export type RpcParams<M extends ChainRpcMethod> = Extract<ChainRpcSchema[number], { Method: M }>['Parameters'];
export type RpcResult<M extends ChainRpcMethod> = Extract<ChainRpcSchema[number], { Method: M }>['ReturnType'];

/** One JSON-RPC call of a batch. */
export interface RpcCall<M extends ChainRpcMethod = ChainRpcMethod> {
  method: M;
  params: RpcParams<M>;
}
