/** The error a failed RPC call or batch rejects with, and how calls are named in its message. */

/** Why an attempt failed. `rpc` is a JSON-RPC error object from the node. */
export type RpcFaultKind = 'timeout' | 'connection' | 'http' | 'malformed' | 'rpc';

/** A call as the wire sees it; the typed `RpcCall<M>` of the pool's methods is one of these. */
export interface WireCall {
  method: string;
  params: unknown;
}

/** A failed call or batch, naming the pool and the method. */
export class RpcError extends Error {
  override readonly name = 'RpcError';

  constructor(
    message: string,
    readonly pool: string,
    readonly method: string,
    readonly kind: RpcFaultKind,
    readonly attempts: number,
    /** JSON-RPC error code (kind `rpc`) or HTTP status (kind `http`). */
    readonly code?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An error's message with its system error code and causes, for messages that wrap it. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${errorText(err.cause)}` : '';
  return `${err.message}${typeof code === 'string' ? ` (${code})` : ''}${cause}`;
}

/** Long JSON (params, error data) cut for a one-line message. */
export function clip(text: string | undefined, max = 200): string {
  if (text === undefined) return 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function describeCall(call: WireCall): string {
  return `${call.method} ${clip(JSON.stringify(call.params ?? []))}`;
}

/** The distinct methods of `calls`, joined with `+`. */
export function methodsOf(calls: readonly WireCall[]): string {
  return [...new Set(calls.map((call) => call.method))].join('+');
}

export function describeCalls(calls: readonly WireCall[]): string {
  return calls.length === 1 ? describeCall(calls[0]!) : `${methodsOf(calls)} (batch of ${calls.length})`;
}
