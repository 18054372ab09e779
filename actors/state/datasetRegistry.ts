import { withTransaction, type PgPool, type PgClient } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { LeaseLostError, type Fence } from './tasks/taskTypes.js';
import { INGEST_OPERATOR } from './syncJobSpec.js';

const SYNC_SQL = loadStatements('state/sync.sql', ['plannedRangeMissing'] as const);
const SQL = loadStatements('state/datasets.sql', [
  'lockFence',
  'registerVersions',
  'listVersions',
  'recordStaged',
  'forgetStaged',
  'expiredStaged',
  'deleteStaged',
] as const);

/** One staged range of a dataset, ready to be registered. */
export interface StagedVersion {
  dataset: string;
  chainId: number;
  /** Block range [rangeStart, rangeEnd). */
  rangeStart: number;
  rangeEnd: number;
  configHash: string;
  bucket: string;
  objectKeys: string[];
  manifestKey: string;
  rowCount: number;
  bytes: number;
}

export interface DatasetVersion {
  version_id: string;
  dataset: string;
  chain_id: string;
  range_start: string;
  range_end: string;
  config_hash: string;
  bucket: string;
  object_keys: string[];
  manifest_key: string;
  row_count: string;
  bytes: string;
  task_id: string;
  attempt: number;
  committed_at: Date;
}

export interface CommitResult {
  registered: number;
  /** Ranges that an earlier attempt already registered; their new objects stay invisible. */
  alreadyRegistered: number;
}

/** A commit of a range that a reorg invalidated after its task fetched it: nothing is registered. */
export class RangeInvalidatedError extends Error {
  override name = 'RangeInvalidatedError';
  constructor(fence: Fence, version: Pick<StagedVersion, 'dataset' | 'rangeStart' | 'rangeEnd'>) {
    super(`commit refused for task ${fence.taskId}: ${version.dataset} [${version.rangeStart}, ${version.rangeEnd}) is no longer planned (invalidated by a reorg)`);
  }
}

/** Holds the task row for the caller's transaction; throws LeaseLostError when the attempt is stale or its lease lapsed. */
export async function lockFence(client: PgClient, fence: Fence, operation: string): Promise<void> {
  const { rows } = await client.query(SQL.lockFence, [fence.taskId, fence.attempt, fence.leaseToken]);
  if (rows.length === 0) throw new LeaseLostError(fence, operation);
}

/**
 * The dataset version registry: the only way data becomes visible. A commit is one transaction that
 * checks the fence (and, for a range a chain_sync planned, that the ledger still holds it) and
 * registers staged objects; readers resolve files through listVersions only.
 */
export class DatasetRegistry {
  constructor(private readonly pool: PgPool) {}

  /**
   * `alongside` runs in the same transaction after the fence check, for writes that must become
   * visible with the version or not at all (a range's hot rows).
   */
  async commit(fence: Fence, versions: readonly StagedVersion[], alongside?: (client: PgClient) => Promise<void>): Promise<CommitResult> {
    return withTransaction(this.pool, async (client) => {
      await lockFence(client, fence, 'commit');
      for (const v of versions) {
        const missing = await client.query(SYNC_SQL.plannedRangeMissing, [fence.taskId, v.rangeStart, v.rangeEnd, INGEST_OPERATOR]);
        if (missing.rows.length > 0) throw new RangeInvalidatedError(fence, v);
      }
      await alongside?.(client);
      const payload = versions.map((v) => ({
        dataset: v.dataset,
        chain_id: v.chainId,
        range_start: v.rangeStart,
        range_end: v.rangeEnd,
        config_hash: v.configHash,
        bucket: v.bucket,
        object_keys: v.objectKeys,
        manifest_key: v.manifestKey,
        row_count: v.rowCount,
        bytes: v.bytes,
      }));
      const { rows } = await client.query<{ range_key: string }>(SQL.registerVersions, [JSON.stringify(payload), fence.taskId, fence.attempt]);
      const registered = new Set(rows.map((r) => r.range_key));
      for (const v of versions) {
        if (registered.has(rangeKey(v))) await client.query(SQL.forgetStaged, [v.bucket, [...v.objectKeys, v.manifestKey]]);
      }
      return { registered: registered.size, alreadyRegistered: versions.length - registered.size };
    });
  }

  /** Committed versions overlapping [from, to). */
  async listVersions(dataset: string, chainId: number, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<DatasetVersion[]> {
    return (await this.pool.query<DatasetVersion>(SQL.listVersions, [dataset, chainId, from, to])).rows;
  }

  /** Every committed version, optionally of one dataset and chain. */
  async listAll(dataset?: string, chainId?: number): Promise<DatasetVersion[]> {
    return (await this.pool.query<DatasetVersion>(SQL.listVersions, [dataset ?? null, chainId ?? null, 0, Number.MAX_SAFE_INTEGER])).rows;
  }

  /** Notes objects an attempt is about to upload; call before the upload. */
  async recordStaged(fence: Pick<Fence, 'taskId' | 'attempt'>, bucket: string, keys: readonly string[]): Promise<void> {
    await this.pool.query(SQL.recordStaged, [bucket, keys, fence.taskId, fence.attempt]);
  }

  /** Staged objects older than `ttlSeconds` that no commit references and no live attempt can still commit. */
  async expiredStaged(ttlSeconds: number, limit = 500): Promise<{ bucket: string; object_key: string }[]> {
    return (await this.pool.query<{ bucket: string; object_key: string }>(SQL.expiredStaged, [ttlSeconds, limit])).rows;
  }

  async deleteStaged(objects: readonly { bucket: string; object_key: string }[]): Promise<void> {
    await this.pool.query(SQL.deleteStaged, [objects.map((o) => o.bucket), objects.map((o) => o.object_key)]);
  }
}

function rangeKey(v: { dataset: string; chainId: number | string; rangeStart: number | string; rangeEnd: number | string; configHash: string }): string {
  return `${v.dataset}/${v.chainId}/${v.rangeStart}/${v.rangeEnd}/${v.configHash}`;
}
