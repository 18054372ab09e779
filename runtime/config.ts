import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * Typed configuration, validated once at startup. Sources, highest precedence first:
 * environment variables, then the optional file named by TRACE_CONFIG_FILE (YAML or JSON),
 * then the defaults below. Every knob is documented in the README.
 */

/** The QueueDriver implementations a node can run (TRACE_QUEUE_DRIVER). */
export const QUEUE_DRIVERS = ['pgqueue', 'nats'] as const;
export type QueueDriverName = (typeof QUEUE_DRIVERS)[number];
const positiveInt = z.coerce.number().int().positive();
const positiveNumber = z.coerce.number().positive();
// S3 bucket naming rules: 3-63 characters, lower-case letters, digits, dots and hyphens.
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name');

/** Where the NATS queue driver finds its server when TRACE_NATS_URL does not say: a local nats-server -js. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export const ConfigSchema = z
  .object({
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    schemaPrefix: z
      .string()
      .regex(/^([a-z_][a-z0-9_]{0,40})?$/, 'lower-case letters, digits and _ only, at most 41 characters')
      .default(''),
    dataDir: z.string().min(1).default('.trace-lite'),
    leaseTtlSeconds: positiveInt.default(30),
    heartbeatSeconds: positiveNumber.optional(),
    // Ingest attempts mostly wait on RPC and S3, and a stream pipelines up to 2 × max_inflight
    // ranges (read, then written and committed): 16 covers 4 streams × 2 × 2. At 8, three streams
    // × 2 × 2 ranges left a planned range 835 ms in the queue for a slot (bench/ingest timeline).
    workerConcurrency: positiveInt.default(16),
    visibilitySeconds: positiveInt.default(30),
    maxAttempts: positiveInt.default(3),
    queueMaxDeliveries: positiveInt.default(5),
    // pgqueue keeps wake-ups in the state database; nats puts them on a NATS JetStream server.
    queueDriver: z.enum(QUEUE_DRIVERS).default('pgqueue'),
    natsUrl: z.string().regex(/^(nats|tls):\/\/\S+$/, 'must be a nats:// or tls:// URL').default(DEFAULT_NATS_URL),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    pollIntervalMs: positiveInt.default(1000),
    sweepGraceSeconds: positiveInt.default(60),
    retryBaseSeconds: positiveNumber.default(1),
    retryMaxSeconds: positiveNumber.default(300),
    shutdownGraceSeconds: positiveNumber.optional(),
    s3Endpoint: z.string().url().optional(),
    // Without S3_ENDPOINT, `up` serves the embedded store on this loopback port, fixed so the AWS
    // CLI, DuckDB or Polars and the other trace-lite commands reach it while the node runs (8788:
    // beside the gateway's 8787). 0: every process runs a private store on a free port (tests).
    s3Port: z.coerce.number().int().min(0).max(65_535).default(8788),
    s3Region: z.string().min(1).default('us-east-1'),
    s3AccessKeyId: z.string().min(1).default('trace-lite'),
    s3SecretAccessKey: z.string().min(1).default('trace-lite-secret'),
    s3ForcePathStyle: z
      .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
      .transform((v) => v === true || v === 'true' || v === '1')
      .default(true),
    bucketDatasets: bucketName.default('datasets'),
    bucketResults: bucketName.default('results'),
    bucketScratch: bucketName.default('scratch'),
    stagingTtlSeconds: positiveInt.default(3600),
    // The newest blocks of each dataset served from hot rows: the tier a tip query reads whole.
    hotRetentionBlocks: positiveInt.default(1_000),
    // A compacted file spans this many blocks (Cryo's file size), or fewer once it reaches compactionBytes.
    compactionBlocks: positiveInt.default(1_000),
    compactionBytes: positiveInt.default(256 * 1024 * 1024),
    queryTimeoutMs: positiveInt.default(30_000),
    queryMaxRows: positiveInt.default(100_000),
    queryMaxBytes: positiveInt.default(64 * 1024 * 1024),
    // Local copies of cold files (DuckDB here cannot read S3 itself); least recently used go first.
    queryCacheBytes: positiveInt.default(1024 * 1024 * 1024),
    queryThreads: positiveInt.default(2),
    // DuckDB memory per query (one query per query process); its process is killed at this + 384 MB
    // resident. 512 MB holds every stored analytic at 50,000 Monad-like blocks (bench:query).
    queryMemoryMb: positiveInt.default(512),
    // Disk a query may spill to beyond its memory (its process's own temp directory).
    querySpillMb: positiveInt.default(2048),
    // Native supply at genesis, in wei, for total_supply_native (the devnet and demo set their own).
    nativeGenesisSupplyWei: z.string().regex(/^\d{1,78}$/, 'must be a decimal number of wei').default('0'),
    httpHost: z.string().min(1).default('127.0.0.1'),
    // 0 binds any free port (tests run several nodes at once); the bound port is logged.
    httpPort: z.coerce.number().int().min(0).max(65_535).default(8787),
    reportDir: z.string().min(1).default('trace-lite-report'),
    // Queries run at once; 4× as many may wait, more are refused as busy (HTTP 503).
    queryConcurrency: positiveInt.default(2),
  })
  .strict()
  .transform((c) => ({
    ...c,
    heartbeatSeconds: c.heartbeatSeconds ?? c.leaseTtlSeconds / 3,
    // Running attempts get this long to finish on SIGTERM before they are handed back; it stays
    // below the lease so a stopping process never holds a lease it cannot renew.
    shutdownGraceSeconds: c.shutdownGraceSeconds ?? c.leaseTtlSeconds / 2,
  }))
  .refine((c) => c.heartbeatSeconds < c.leaseTtlSeconds, {
    message: 'heartbeatSeconds must be shorter than leaseTtlSeconds',
    path: ['heartbeatSeconds'],
  });

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;

/** Environment variable → config key. */
export const ENV_KEYS = {
  DATABASE_URL: 'databaseUrl',
  TRACE_SCHEMA_PREFIX: 'schemaPrefix',
  TRACE_DATA_DIR: 'dataDir',
  TRACE_LEASE_TTL_SECONDS: 'leaseTtlSeconds',
  TRACE_HEARTBEAT_SECONDS: 'heartbeatSeconds',
  TRACE_WORKER_CONCURRENCY: 'workerConcurrency',
  TRACE_VISIBILITY_SECONDS: 'visibilitySeconds',
  TRACE_MAX_ATTEMPTS: 'maxAttempts',
  TRACE_QUEUE_MAX_DELIVERIES: 'queueMaxDeliveries',
  TRACE_QUEUE_DRIVER: 'queueDriver',
  TRACE_NATS_URL: 'natsUrl',
  TRACE_LOG_LEVEL: 'logLevel',
  TRACE_POLL_INTERVAL_MS: 'pollIntervalMs',
  TRACE_SWEEP_GRACE_SECONDS: 'sweepGraceSeconds',
  TRACE_RETRY_BASE_SECONDS: 'retryBaseSeconds',
  TRACE_RETRY_MAX_SECONDS: 'retryMaxSeconds',
  TRACE_SHUTDOWN_GRACE_SECONDS: 'shutdownGraceSeconds',
  S3_ENDPOINT: 's3Endpoint',
  S3_REGION: 's3Region',
  S3_ACCESS_KEY_ID: 's3AccessKeyId',
  S3_SECRET_ACCESS_KEY: 's3SecretAccessKey',
  S3_FORCE_PATH_STYLE: 's3ForcePathStyle',
  TRACE_BUCKET_DATASETS: 'bucketDatasets',
  TRACE_BUCKET_RESULTS: 'bucketResults',
  TRACE_BUCKET_SCRATCH: 'bucketScratch',
  TRACE_STAGING_TTL_SECONDS: 'stagingTtlSeconds',
  TRACE_HOT_RETENTION_BLOCKS: 'hotRetentionBlocks',
  TRACE_COMPACTION_BLOCKS: 'compactionBlocks',
  TRACE_COMPACTION_BYTES: 'compactionBytes',
  TRACE_QUERY_TIMEOUT_MS: 'queryTimeoutMs',
  TRACE_QUERY_MAX_ROWS: 'queryMaxRows',
  TRACE_QUERY_MAX_BYTES: 'queryMaxBytes',
  TRACE_QUERY_CACHE_BYTES: 'queryCacheBytes',
  TRACE_QUERY_THREADS: 'queryThreads',
  TRACE_QUERY_MEMORY_MB: 'queryMemoryMb',
  TRACE_QUERY_SPILL_MB: 'querySpillMb',
  TRACE_NATIVE_GENESIS_SUPPLY_WEI: 'nativeGenesisSupplyWei',
  TRACE_HTTP_HOST: 'httpHost',
  TRACE_HTTP_PORT: 'httpPort',
  TRACE_S3_PORT: 's3Port',
  TRACE_REPORT_DIR: 'reportDir',
  TRACE_QUERY_CONCURRENCY: 'queryConcurrency',
} as const satisfies Record<string, keyof ConfigInput>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const parsed: unknown = parseYaml(text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a mapping of keys to values`);
  }
  return parsed as Record<string, unknown>;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Loads and validates configuration; throws ConfigError naming every bad field. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigInput = {}): Config {
  const file = env.TRACE_CONFIG_FILE ? readConfigFile(env.TRACE_CONFIG_FILE) : {};
  const result = ConfigSchema.safeParse({ ...file, ...fromEnv(env), ...overrides });
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${reasons.join('; ')}`);
  }
  return result.data;
}
