/**
 * Pins the registry for one query. Planning runs in a REPEATABLE READ transaction whose snapshot is
 * exported; the pool thread imports it to read hot rows, so the query sees exactly the versions
 * planned here — a commit in the middle of the query changes nothing it reads. Cold files are
 * immutable once registered (keys carry task and attempt), so their list is enough to pin them.
 */
import { isCryoDataset } from '../../drivers/datasets/catalog.js';
import { checkOut, type PgPool, type PgClient } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { hotTable } from '../state/hotRows.js';
import { cryoColumns, distinctKey, relationKind, type HotServedRange, type RelationPlan } from './relations.js';
import type { QueryMacro } from './queryMacros.js';
import type { QueryLimits, QueryThreadInput } from './queryThreadJob.js';
import type { QueryFormat } from './queryTypes.js';

const SQL = loadStatements('state/query.sql', ['exportSnapshot', 'committedVersions'] as const);
const HOT_SQL = loadStatements('data/hot.sql', ['rangesWithRows'] as const);

export interface ColdObject {
  bucket: string;
  key: string;
}

/** One dataset's sources in the pinned snapshot (before cold objects are fetched into the cache). */
export interface PinnedRelation {
  name: string;
  coldObjects: ColdObject[];
  hotTable: string | null;
  hotRanges: HotServedRange[];
}

export interface PinnedSnapshot {
  /** Imported by the pool thread reading hot rows; null when no range is served hot. */
  snapshotId: string | null;
  relations: PinnedRelation[];
  /** Ends the planning transaction (the snapshot stays importable until then). */
  release(): Promise<void>;
}

interface VersionRow {
  version_id: string;
  dataset: string;
  chain_id: string;
  range_start: string;
  range_end: string;
  bucket: string;
  object_keys: string[];
  watermark: string;
}

/** Plans `datasets` against one registry state; the caller must release() it. */
export async function pinRegistrySnapshot(db: PgPool, dataSchema: string, datasets: readonly string[]): Promise<PinnedSnapshot> {
  const client = await checkOut(db);
  let open = false;
  const end = async (): Promise<void> => {
    if (!open) return;
    open = false;
    try {
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    const snapshotId = (await client.query<{ snapshot_id: string }>(SQL.exportSnapshot)).rows[0]!.snapshot_id;
    const versions = (await client.query<VersionRow>(SQL.committedVersions, [datasets])).rows;
    const relations: PinnedRelation[] = [];
    for (const name of datasets) {
      relations.push(await planRelation(client, dataSchema, name, versions.filter((v) => v.dataset === name)));
    }
    if (relations.every((r) => r.hotRanges.length === 0)) {
      await end();
      return { snapshotId: null, relations, release: async () => {} };
    }
    return { snapshotId, relations, release: end };
  } catch (err) {
    if (open) {
      open = false;
      await client.query('ROLLBACK').catch(() => undefined);
    }
    client.release();
    throw err;
  }
}

async function planRelation(client: PgClient, dataSchema: string, name: string, versions: VersionRow[]): Promise<PinnedRelation> {
  const cold = (vs: VersionRow[]): ColdObject[] => vs.flatMap((v) => v.object_keys.map((key) => ({ bucket: v.bucket, key })));
  switch (relationKind(name)) {
    case 'cold_facts':
      return { name, coldObjects: cold(versions), hotTable: null, hotRanges: [] };
    case 'latest_output': {
      const newest = new Map<string, VersionRow>();
      for (const v of versions) {
        const seen = newest.get(v.chain_id);
        if (!seen || BigInt(v.version_id) > BigInt(seen.version_id)) newest.set(v.chain_id, v);
      }
      return { name, coldObjects: cold([...newest.values()]), hotTable: null, hotRanges: [] };
    }
    case 'hot_and_cold': {
      // Below the watermark every range is cold. Above it a range is served by its hot rows, which
      // were written in the transaction that registered it and are trimmed whole once it is older
      // than the hot retention; a range above it without hot rows is served cold.
      const below = versions.filter((v) => BigInt(v.range_end) <= BigInt(v.watermark));
      const above = versions.filter((v) => BigInt(v.range_end) > BigInt(v.watermark));
      const table = hotTable(dataSchema, name);
      const withRows = new Set<number>();
      if (above.length > 0) {
        const { rows } = await client.query<{ ordinal: number }>(HOT_SQL.rangesWithRows.text.replaceAll('{{table}}', table), [
          above.map((v) => v.chain_id),
          above.map((v) => v.range_start),
          above.map((v) => v.range_end),
        ]);
        for (const r of rows) withRows.add(r.ordinal - 1);
      }
      const hot = above.filter((_, i) => withRows.has(i));
      return {
        name,
        coldObjects: cold([...below, ...above.filter((_, i) => !withRows.has(i))]),
        hotTable: hot.length > 0 ? table : null,
        hotRanges: hot.map((v) => ({ chainId: v.chain_id, start: v.range_start, end: v.range_end })),
      };
    }
  }
}

/**
 * The pool job's relations for a pinned snapshot, given the local paths of its cold objects in the
 * order `relations.flatMap((r) => r.coldObjects)` lists them (as the file cache hands them back).
 */
function relationPlans(pinned: Pick<PinnedSnapshot, 'relations'>, coldPaths: readonly string[]): RelationPlan[] {
  let next = 0;
  return pinned.relations.map((r) => ({
    name: r.name,
    // Analytics outputs take their columns from their files.
    columns: isCryoDataset(r.name) ? cryoColumns(r.name) : null,
    coldFiles: r.coldObjects.map(() => coldPaths[next++]!),
    hotTable: r.hotTable,
    hotRanges: r.hotRanges,
    distinctOn: distinctKey(r.name),
  }));
}

/** What a checked query runs with on a pool thread: its SQL, its macros, the pinned relations and limits. */
export interface ThreadQuery {
  sql: string;
  params: QueryThreadInput['params'];
  macros: readonly QueryMacro[];
  pinned: PinnedSnapshot;
  /** Local paths of the pinned cold files, as the cache holds them. */
  coldPaths: readonly string[];
  url: string;
  limits: QueryLimits;
  format: QueryFormat;
  threads: number;
}

/** The thread job's input for a query over a pinned snapshot. */
export function threadInput(q: ThreadQuery): QueryThreadInput {
  return {
    sql: q.sql,
    params: q.params,
    macros: q.macros.map((m) => m.sql),
    relations: relationPlans(q.pinned, q.coldPaths),
    hot: q.pinned.snapshotId === null ? null : { url: q.url, snapshotId: q.pinned.snapshotId },
    limits: q.limits,
    format: q.format,
    threads: q.threads,
  };
}
