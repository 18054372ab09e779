import { Actor } from '../../runtime/actor.js';
import type { Runtime } from '../node/context.js';
import { isTransientDatabaseError } from '../../drivers/postgres/transientErrors.js';
import { trimHotRows } from '../state/hotRows.js';
import { failpoint } from '../../runtime/failpoints.js';
import type { ObjectStore } from '../../drivers/store/objectStore.js';

/** Four staging sweeps per TTL find an expired object at most 1.25 TTL after it was staged… */
const SWEEPS_PER_STAGING_TTL = 4;
/** …and at least every 5 minutes, so a long TTL still frees space within minutes of expiry. */
const MAX_SWEEP_INTERVAL_MS = 300_000;
/** Every 5 s keeps a busy follower's hot tables near their retention, for one indexed DELETE per hot dataset a tick… */
const HOT_TRIM_INTERVAL_MS = 5_000;
/** …backing off to a tick per 15 s while nothing is trimmed: one commit, and rows leave at most 15 s after their range left the hot tier. */
const HOT_TRIM_IDLE_MAX_MS = 15_000;
/**
 * Superseded files go within 5 s of the last query that pinned them ending (queries end within
 * TRACE_QUERY_TIMEOUT_MS), for one look-up of the registry and of pg_stat_activity per tick.
 */
const SUPERSEDED_SWEEP_INTERVAL_MS = 5_000;
/** While there is nothing to delete, a look per minute: superseded files are kept a minute longer at most. */
const SUPERSEDED_SWEEP_IDLE_MAX_MS = 60_000;

/**
 * Housekeeping of data, two duties. Staging: deletes staged objects that will never become
 * visible: older than the staging TTL, referenced by no committed version or pending buffer batch,
 * and written by an attempt that can no longer commit (attempt numbers only grow and a lapsed
 * lease is never renewed, so such an attempt never commits again). Found through Postgres, not by
 * listing buckets. The record is dropped only after a delete that came after the key's upload
 * deadline, when no slow upload can land on it any more; a key deleted earlier keeps its record
 * and is deleted again after the deadline. Hot rows: keeps the hot tables to the hot tier, the
 * newest TRACE_HOT_RETENTION_BLOCKS blocks of each dataset, whole registered ranges only.
 * Superseded files: deletes the files of versions a compaction superseded once no pinned query
 * snapshot can still read them (their rows stay in the registry, marked).
 */
export class JanitorActor extends Actor<never> {
  constructor(private readonly rt: Runtime) {
    super('janitor', rt.log.child({ actor: 'janitor' }));
  }

  protected override async onStart(): Promise<void> {
    const sweepEveryMs = Math.min(MAX_SWEEP_INTERVAL_MS, (this.rt.config.stagingTtlSeconds * 1000) / SWEEPS_PER_STAGING_TTL);
    this.every(sweepEveryMs, async () => void (await this.sweep()), { isTransient: isTransientDatabaseError });
    this.every(
      HOT_TRIM_INTERVAL_MS,
      async () => {
        const trimmed = await trimHotRows(this.rt.db, this.rt.schemas.data, this.rt.config.hotRetentionBlocks);
        if (trimmed > 0) this.log.info({ trimmed }, 'trimmed hot rows of ranges past the retention');
        return trimmed > 0;
      },
      { isTransient: isTransientDatabaseError, idleMaxMs: HOT_TRIM_IDLE_MAX_MS },
    );
    this.every(SUPERSEDED_SWEEP_INTERVAL_MS, async () => (await this.deleteSuperseded()) > 0, {
      isTransient: isTransientDatabaseError,
      idleMaxMs: SUPERSEDED_SWEEP_IDLE_MAX_MS,
    });
  }

  /** Deletes one batch of expired staging objects (some perhaps for the second time); returns how many. */
  async sweep(): Promise<number> {
    const expired = await this.rt.registry.expiredStaged(this.rt.config.stagingTtlSeconds);
    if (expired.length === 0) return 0;
    await deleteObjects(await this.rt.objects.get(), expired.map((o) => ({ bucket: o.bucket, key: o.object_key })));
    await failpoint('janitor.beforeForget', { keys: expired.map((o) => o.object_key) });
    await this.rt.registry.settleDeleted(expired);
    this.log.info({ deleted: expired.length }, 'deleted expired staging objects');
    return expired.length;
  }

  /** Deletes the files of superseded versions no pinned query can read any more; returns how many versions. */
  async deleteSuperseded(): Promise<number> {
    const unreadable = await this.rt.registry.unreadableSuperseded();
    if (unreadable.length === 0) return 0;
    const objects = unreadable.flatMap((v) => [...v.object_keys, v.manifest_key].map((key) => ({ bucket: v.bucket, key })));
    await deleteObjects(await this.rt.objects.get(), objects);
    await this.rt.registry.markObjectsDeleted(unreadable.map((v) => v.version_id));
    this.log.info({ versions: unreadable.length, objects: objects.length }, 'deleted the files of superseded versions');
    return unreadable.length;
  }
}

/** Deletes objects, one call per bucket. */
async function deleteObjects(store: ObjectStore, objects: readonly { bucket: string; key: string }[]): Promise<void> {
  const byBucket = new Map<string, string[]>();
  for (const o of objects) byBucket.set(o.bucket, [...(byBucket.get(o.bucket) ?? []), o.key]);
  for (const [bucket, keys] of byBucket) await store.delete(bucket, keys);
}
