/**
 * No untracked objects: every object in the store's buckets is referenced by a registered version
 * (its files or manifest) or by a staged record the janitor will settle. Listing buckets is what
 * the core never does to decide visibility; a checker does it to find what escaped the registry.
 */
import type { PgPool } from '../../../drivers/postgres/postgres.js';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { ObjectStore } from '../../../drivers/store/objectStore.js';
import { invariant, type Invariant } from './invariant.js';

const SQL = loadStatements('harness/invariants.sql', ['trackedObjects', 'versionCount'] as const);

export async function noUntrackedObjects(db: PgPool, store: ObjectStore, buckets: readonly string[]): Promise<Invariant> {
  const tracked = new Set((await db.query<{ bucket: string; object_key: string }>(SQL.trackedObjects)).rows.map((r) => `${r.bucket}/${r.object_key}`));
  const { versions } = (await db.query<{ versions: number }>(SQL.versionCount)).rows[0]!;
  const untracked: string[] = [];
  let objects = 0;
  for (const bucket of buckets) {
    for await (const object of store.list(bucket, '')) {
      objects += 1;
      if (!tracked.has(`${bucket}/${object.key}`)) untracked.push(`s3://${bucket}/${object.key} (${object.bytes} bytes) is referenced by no version and no staged record`);
    }
  }
  return invariant(
    'no untracked objects',
    `${objects} objects in ${buckets.join(', ')}; ${untracked.length} untracked (registry: ${versions} versions, ${tracked.size} keys incl. staged)`,
    untracked,
  );
}
