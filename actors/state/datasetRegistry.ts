import { withTransaction, type PgPool, type PgClient } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { MAX_REQUEST_MS, MAX_UPLOAD_MS } from '../../drivers/store/objectStore.js';
import { LeaseLostError, type Fence } from './tasks/taskTypes.js';
import { INGEST_OPERATOR } from './syncJobSpec.js';
import { coversExactly } from './rangeCover.js';

const SYNC_SQL = loadStatements('state/sync.sql', ['plannedRangeMissing'] as const);
const SQL = loadStatements('state/datasets.sql', [
  'lockFence',
  'registerVersions',
  'listVersions',
  'lockSuperseded',
  'markSuperseded',
  'linkSuperseded',
  'supersededPastPins',
  'markObjectsDeleted',
  'recordStaged',
  'forgetStaged',
  'expiredStaged',
  'settleDeletedStaged',
] as const);

/**
 * How long after its record a write to a staged key can still land: the upload's own deadline, a
 * request sent just before it, and a minute for a server still storing a request whose client gave up.
 */
const UPLOAD_LANDING_SECONDS = (MAX_UPLOAD_MS + MAX_REQUEST_MS) / 1000 + 60;

/** A staged object the janitor may delete; listed_at is when its list was taken (database clock). */
export interface ExpiredStaged {
  bucket: string;
  object_key: string;
  listed_at: Date;
}

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
  /** Per object: the sha256 of its bytes (hex) and the ETag the store returned, when the writer knows them. */
  objectSha256?: readonly string[] | undefined;
  objectEtags?: readonly string[] | undefined;
  /**
   * A compaction's version: the ids of the live versions it merges, which must cover exactly its
   * range, contiguously. They stop serving queries in the commit that registers it.
   */
  supersedes?: readonly string[];
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
  superseded_by: string | null;
  superseded_at: Date | null;
  /** Per object, as recorded at commit; null for versions registered before they were recorded. */
  object_sha256: string[] | null;
  object_etags: string[] | null;
  objects_deleted_at: Date | null;
}

/** A superseded version whose files may be deleted: no pinned query can read it any more. */
export interface UnreadableVersion {
  version_id: string;
  bucket: string;
  object_keys: string[];
  manifest_key: string;
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

/** A compaction whose versions changed since it read them (a reorg forgot them, or another compaction merged them). */
export class SupersessionConflictError extends Error {
  override name = 'SupersessionConflictError';
  constructor(version: Pick<StagedVersion, 'dataset' | 'chainId' | 'rangeStart' | 'rangeEnd'>, why: string) {
    super(`compaction of ${version.dataset} chain ${version.chainId} [${version.rangeStart}, ${version.rangeEnd}) refused: ${why}`);
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
      for (const v of versions) if (v.supersedes) await supersede(client, v);
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
        object_sha256: v.objectSha256 ?? null,
        object_etags: v.objectEtags ?? null,
      }));
      const { rows } = await client.query<{ range_key: string; version_id: string }>(SQL.registerVersions, [JSON.stringify(payload), fence.taskId, fence.attempt]);
      const registered = new Map(rows.map((r) => [r.range_key, r.version_id]));
      for (const v of versions) {
        const versionId = registered.get(rangeKey(v));
        if (versionId === undefined && v.supersedes) throw new SupersessionConflictError(v, 'its range is registered already');
        if (versionId === undefined) continue;
        await client.query(SQL.forgetStaged, [v.bucket, [...v.objectKeys, v.manifestKey]]);
        if (v.supersedes) await client.query(SQL.linkSuperseded, [v.supersedes, versionId]);
      }
      return { registered: registered.size, alreadyRegistered: versions.length - registered.size };
    });
  }

  /** Live versions overlapping [from, to): what readers resolve. */
  async listVersions(dataset: string, chainId: number, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<DatasetVersion[]> {
    return (await this.pool.query<DatasetVersion>(SQL.listVersions, [dataset, chainId, from, to, false])).rows;
  }

  /** Every live version, optionally of one dataset and chain; with `superseded`, those compactions replaced too. */
  async listAll(filter: { dataset?: string; chainId?: number; superseded?: boolean } = {}): Promise<DatasetVersion[]> {
    const { dataset, chainId, superseded = false } = filter;
    return (await this.pool.query<DatasetVersion>(SQL.listVersions, [dataset ?? null, chainId ?? null, 0, Number.MAX_SAFE_INTEGER, superseded])).rows;
  }

  /** Superseded versions with files that no pinned query snapshot can read any more. */
  async unreadableSuperseded(limit = 100): Promise<UnreadableVersion[]> {
    return (await this.pool.query<UnreadableVersion>(SQL.supersededPastPins, [limit])).rows;
  }

  /** Records that the files of these superseded versions were deleted (their rows stay). */
  async markObjectsDeleted(versionIds: readonly string[]): Promise<void> {
    await this.pool.query(SQL.markObjectsDeleted, [versionIds]);
  }

  /**
   * Notes objects an attempt is about to upload; call before the upload, and pass the returned
   * deadline (epoch ms) to it: taken before the record, it falls before the recorded one.
   */
  async recordStaged(fence: Pick<Fence, 'taskId' | 'attempt'>, bucket: string, keys: readonly string[]): Promise<number> {
    const deadline = Date.now() + MAX_UPLOAD_MS;
    await this.pool.query(SQL.recordStaged, [bucket, keys, fence.taskId, fence.attempt, UPLOAD_LANDING_SECONDS]);
    return deadline;
  }

  /** Staged objects older than `ttlSeconds` that no commit references and no live attempt can still commit. */
  async expiredStaged(ttlSeconds: number, limit = 500): Promise<ExpiredStaged[]> {
    return (await this.pool.query<ExpiredStaged>(SQL.expiredStaged, [ttlSeconds, limit])).rows;
  }

  /**
   * After the janitor deleted `objects`: forgets those whose upload deadline had passed when they
   * were listed (nothing can land on them after the delete); the others wait for a second delete.
   */
  async settleDeleted(objects: readonly ExpiredStaged[]): Promise<void> {
    const listedAt = objects[0]?.listed_at;
    if (listedAt === undefined) return;
    await this.pool.query(SQL.settleDeletedStaged, [objects.map((o) => o.bucket), objects.map((o) => o.object_key), listedAt]);
  }
}

/**
 * In a compaction's commit, before its version is registered: locks the versions it merges, checks
 * they are still live and cover its range exactly, and marks them superseded (so the live versions
 * still never overlap once it is registered).
 */
async function supersede(client: PgClient, v: StagedVersion): Promise<void> {
  const ids = v.supersedes ?? [];
  const rows = (
    await client.query<{ version_id: string; dataset: string; chain_id: string; range_start: string; range_end: string; superseded: boolean }>(SQL.lockSuperseded, [ids])
  ).rows;
  if (rows.length !== ids.length) throw new SupersessionConflictError(v, 'some of its versions were forgotten (a reorg)');
  if (rows.some((r) => r.superseded)) throw new SupersessionConflictError(v, 'some of its versions were already superseded');
  if (rows.some((r) => r.dataset !== v.dataset || Number(r.chain_id) !== v.chainId)) throw new SupersessionConflictError(v, 'its versions belong to another dataset or chain');
  if (!coversExactly(rows, v.rangeStart, v.rangeEnd)) throw new SupersessionConflictError(v, 'its versions do not cover its range exactly');
  await client.query(SQL.markSuperseded, [ids]);
}

function rangeKey(v: { dataset: string; chainId: number | string; rangeStart: number | string; rangeEnd: number | string; configHash: string }): string {
  return `${v.dataset}/${v.chainId}/${v.rangeStart}/${v.rangeEnd}/${v.configHash}`;
}
