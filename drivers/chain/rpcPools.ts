/**
 * RPC pools from the environment: `TRACE_RPC_POOL_<POOL>_URL` names a pool, and the optional
 * `TRACE_RPC_POOL_<POOL>_{CONCURRENCY,RPS,BATCH_SIZE,TIMEOUT_MS,MAX_RETRIES}` tune it. Pool names
 * are case-insensitive (`TRACE_RPC_POOL_MAIN_URL` is the pool `main`) and may contain underscores.
 */
import { RpcPool, type RpcPoolMetrics, type RpcPoolOptions } from './rpcClient.js';

export const RPC_POOL_ENV_PREFIX = 'TRACE_RPC_POOL_';

type Setting = 'concurrency' | 'rps' | 'batchSize' | 'timeoutMs' | 'maxRetries';

const SETTINGS: Record<string, Setting> = {
  _CONCURRENCY: 'concurrency',
  _RPS: 'rps',
  _BATCH_SIZE: 'batchSize',
  _TIMEOUT_MS: 'timeoutMs',
  _MAX_RETRIES: 'maxRetries',
};

/** The configured pools, looked up by name. */
export class RpcPools {
  private readonly pools: ReadonlyMap<string, RpcPool>;

  constructor(pools: Iterable<RpcPool>) {
    const byName = new Map<string, RpcPool>();
    for (const pool of pools) {
      const key = pool.name.toLowerCase();
      if (byName.has(key)) throw new Error(`duplicate RPC pool "${pool.name}"`);
      byName.set(key, pool);
    }
    this.pools = byName;
  }

  get names(): string[] {
    return [...this.pools.keys()];
  }

  has(name: string): boolean {
    return this.pools.has(name.toLowerCase());
  }

  /** The pool's options, to rebuild it in another thread. */
  options(name: string): RpcPoolOptions {
    return this.get(name).options;
  }

  /** The pool, or an error that says how to configure it. */
  get(name: string): RpcPool {
    const pool = this.pools.get(name.toLowerCase());
    if (pool) return pool;
    const known = this.names.length > 0 ? `configured: ${this.names.join(', ')}` : 'none is configured';
    throw new Error(`unknown RPC pool "${name}" (${known}); set ${RPC_POOL_ENV_PREFIX}${name.toUpperCase()}_URL`);
  }

  metrics(): Record<string, RpcPoolMetrics> {
    return Object.fromEntries([...this.pools].map(([name, pool]) => [name, pool.metrics()]));
  }
}

/**
 * Reads every pool from `env`. Throws, naming the variable, on a bad URL or number and on a
 * `TRACE_RPC_POOL_*` variable that belongs to no pool (a typo would otherwise be ignored).
 * `defaults` apply to every pool before its own settings.
 */
export function rpcPoolsFromEnv(env: NodeJS.ProcessEnv = process.env, defaults: Partial<Omit<RpcPoolOptions, 'name' | 'url'>> = {}): RpcPools {
  return new RpcPools(rpcPoolOptionsFromEnv(env, defaults).map((options) => new RpcPool(options)));
}

/** The options of every pool in `env` (plain data: pool threads build their own RpcPool from them). */
export function rpcPoolOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, defaults: Partial<Omit<RpcPoolOptions, 'name' | 'url'>> = {}): RpcPoolOptions[] {
  const keys = Object.keys(env).filter((key) => key.startsWith(RPC_POOL_ENV_PREFIX));
  const names = keys.filter((key) => key.endsWith('_URL')).map((key) => key.slice(RPC_POOL_ENV_PREFIX.length, -'_URL'.length));
  const used = new Set<string>();
  const pools = names.map((name) => {
    const urlKey = `${RPC_POOL_ENV_PREFIX}${name}_URL`;
    used.add(urlKey);
    const options: RpcPoolOptions = { ...defaults, name: name.toLowerCase(), url: parseUrl(urlKey, env[urlKey]) };
    for (const [suffix, setting] of Object.entries(SETTINGS)) {
      const key = `${RPC_POOL_ENV_PREFIX}${name}${suffix}`;
      const value = env[key];
      if (value === undefined || value === '') continue;
      used.add(key);
      options[setting] = parseNumber(key, value, setting === 'rps' ? 'positive' : setting === 'maxRetries' ? 'count' : 'integer');
    }
    return options;
  });
  const stray = keys.filter((key) => !used.has(key) && env[key] !== undefined && env[key] !== '');
  if (stray.length > 0) {
    throw new Error(
      `${stray.join(', ')}: not a setting of any RPC pool (pools need ${RPC_POOL_ENV_PREFIX}<POOL>_URL; settings: ${Object.keys(SETTINGS).join(', ')})`,
    );
  }
  return pools;
}

function parseUrl(key: string, value: string | undefined): string {
  let url: URL;
  try {
    url = new URL(value ?? '');
  } catch {
    throw new Error(`${key}: not a URL: "${value ?? ''}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${key}: only http(s) RPC URLs are supported, got ${url.protocol}`);
  return url.toString();
}

function parseNumber(key: string, value: string, kind: 'positive' | 'integer' | 'count'): number {
  const number = Number(value.trim());
  const ok =
    kind === 'positive' ? Number.isFinite(number) && number > 0 : Number.isSafeInteger(number) && number >= (kind === 'count' ? 0 : 1);
  if (!ok) {
    const expected = kind === 'positive' ? 'a positive number' : kind === 'count' ? 'a non-negative integer' : 'a positive integer';
    throw new Error(`${key}: expected ${expected}, got "${value}"`);
  }
  return number;
}
