/**
 * Pins the registry for one query. Planning runs in a REPEATABLE READ transaction whose snapshot is
 * exported; the pool thread imports it to read hot rows, so the query sees exactly the versions
 * planned here — a commit in the middle of the query changes nothing it reads. Cold files are
 * immutable once registered (keys carry task and attempt); the transaction stays open until the
 * query ends, and the janitor deletes a superseded version's files only once no open snapshot can
 * still see that version, so what a query pinned stays readable until it is done.
 *
 * The registry is read in the query's block windows (blockWindows.ts): one statement lists only
 * the live versions each window reaches and their dataset's tip, by index, so a tip query's pin costs
 * the same at any history length.
 *
 * Tiers: a dataset's versions reaching into its newest TRACE_HOT_RETENTION_BLOCKS blocks are its
 * hot tier, the others its cold tier. A relation is read in the query's block window:
 * when every version the window reaches is in the hot tier, those versions are read from their hot
 * rows (clipped to the window; a version without hot rows from its file) and no file is touched;
 * otherwise every version the window reaches is read from its file, the hot tier's included: DuckDB
 * reads Parquet tens of times faster than Postgres hands rows over, so a query reaching into the
 * cold tier scans files only. Either way each block comes from exactly one version and one source.
 */
import { hasChosenColumns, isCryoDataset } from '../../drivers/datasets/catalog.js';
import { checkOut, type PgPool, type PgClient } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { hotTable } from '../state/hotRows.js';
import { WHOLE_CHAIN, type BlockWindow, type ReadPlan } from './blockWindows.js';
import { cryoColumns, distinctKey, relationKind, type HotServedRange, type RelationPlan } from './relations.js';
import type { QueryLimits, QueryThreadInput } from './queryThreadJob.js';
import type { QueryFormat } from './queryTypes.js';

const SQL = loadStatements('state/query.sql', ['versionsInWindows'] as const);
const HOT_SQL = loadStatements('data/hot.sql', ['rangesWithRows'] as const);

export interface ColdObject {
  bucket: string;
  key: string;
}

/** One dataset's sources in the pinned snapshot (before cold objects are fetched into the cache). */
export interface PinnedRelation {
  name: string;
  /** The columns the query can read (null: all). */
  columns: readonly string[] | null;
  coldObjects: ColdObject[];
  /** Some cold file was written with a stream's chosen columns: files may lack a default column. */
  coldColumnsVary: boolean;
  hotTable: string | null;
  hotRanges: HotServedRange[];
}

export interface PinnedSnapshot {
  /** Imported by the pool thread reading hot rows; null when no range is served hot. */
  snapshotId: string | null;
  relations: PinnedRelation[];
  /** Ends the planning transaction once the query is done (the snapshot stays importable until then). */
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
  config_hash: string;
  tip_end: string;
}

/** A row of versionsInWindows: the exported snapshot, and a version (all null when none is reached). */
type SnapshotVersionRow = ({ snapshot_id: string } & VersionRow) | ({ snapshot_id: string } & Record<keyof VersionRow, null>);

/**
 * The blocks of a relation the registry is asked for: its read window for a dataset served by tiers,
 * the whole chain for the others (a cold-facts dataset reads every file, an analytics output its
 * newest version per chain).
 */
function registryWindow(name: string, plan: ReadPlan): BlockWindow {
  return relationKind(name) === 'hot_and_cold' ? (plan.windows.get(name) ?? WHOLE_CHAIN) : WHOLE_CHAIN;
}

/** Plans `datasets` against one registry state; the caller must release() it when the query ends. */
export async function pinRegistrySnapshot(db: PgPool, dataSchema: string, datasets: readonly string[], plan: ReadPlan): Promise<PinnedSnapshot> {
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
    const windows = datasets.map((name) => registryWindow(name, plan));
    const { rows } = await client.query<SnapshotVersionRow>(SQL.versionsInWindows, [
      datasets,
      windows.map((w) => w.from),
      windows.map((w) => (w.to === Infinity ? null : w.to)),
    ]);
    const snapshotId = rows[0]!.snapshot_id;
    const versions = rows.filter((r): r is { snapshot_id: string } & VersionRow => r.version_id !== null);
    const relations: PinnedRelation[] = [];
    for (const [i, name] of datasets.entries()) {
      const read = { window: windows[i]!, retentionBlocks: plan.retentionBlocks };
      const mine = versions.filter((v) => v.dataset === name);
      const planned = await planRelation(client, dataSchema, name, mine, read);
      const coldKeys = new Set(planned.coldObjects.map((o) => o.key));
      const coldColumnsVary = mine.some((v) => hasChosenColumns(v.config_hash) && v.object_keys.some((key) => coldKeys.has(key)));
      relations.push({ ...planned, columns: plan.columns.get(name) ?? null, coldColumnsVary });
    }
    return { snapshotId: relations.some((r) => r.hotRanges.length > 0) ? snapshotId : null, relations, release: end };
  } catch (err) {
    if (open) {
      open = false;
      await client.query('ROLLBACK').catch(() => undefined);
    }
    client.release();
    throw err;
  }
}

/**
 * One relation's sources from the versions its window reaches (`versions`, all of them for a
 * relation read whole).
 */
async function planRelation(
  client: PgClient,
  dataSchema: string,
  name: string,
  versions: VersionRow[],
  read: { window: BlockWindow; retentionBlocks: number },
): Promise<Omit<PinnedRelation, 'columns' | 'coldColumnsVary'>> {
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
      const { window, retentionBlocks } = read;
      const clip = (v: VersionRow): HotServedRange => ({
        chainId: v.chain_id,
        start: String(Math.max(Number(v.range_start), window.from)),
        end: String(Math.min(Number(v.range_end), window.to)),
      });
      const reachesCold = new Set(versions.filter((v) => Number(v.range_end) <= Number(v.tip_end) - retentionBlocks).map((v) => v.chain_id));
      const hotTier = versions.filter((v) => !reachesCold.has(v.chain_id));
      const table = hotTable(dataSchema, name);
      const withRows = await rangesWithRows(client, table, hotTier.map(clip));
      const hot = hotTier.filter((_, i) => withRows.has(i));
      return {
        name,
        coldObjects: cold(versions.filter((v) => !hot.includes(v))),
        hotTable: hot.length > 0 ? table : null,
        hotRanges: hot.map(clip),
      };
    }
  }
}

/** The indexes of the ranges that hold rows in the hot table (hot rows are trimmed whole ranges at a time). */
async function rangesWithRows(client: PgClient, table: string, ranges: readonly HotServedRange[]): Promise<Set<number>> {
  if (ranges.length === 0) return new Set();
  const { rows } = await client.query<{ ordinal: number }>(HOT_SQL.rangesWithRows.text.replaceAll('{{table}}', table), [
    ranges.map((r) => r.chainId),
    ranges.map((r) => r.start),
    ranges.map((r) => r.end),
  ]);
  return new Set(rows.map((r) => r.ordinal - 1));
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
    columns: isCryoDataset(r.name) ? cryoColumns(r.name).filter((c) => r.columns === null || r.columns.includes(c.name)) : null,
    coldFiles: r.coldObjects.map(() => coldPaths[next++]!),
    coldColumnsVary: r.coldColumnsVary,
    hotTable: r.hotTable,
    hotRanges: r.hotRanges,
    distinctOn: distinctKey(r.name),
  }));
}

/** What a checked query runs with in a query process: its SQL, the pinned relations and limits. */
export interface ThreadQuery {
  sql: string;
  params: QueryThreadInput['params'];
  pinned: PinnedSnapshot;
  /** Local paths of the pinned cold files, as the cache holds them. */
  coldPaths: readonly string[];
  url: string;
  limits: QueryLimits;
  format: QueryFormat;
}

/** The thread job's input for a query over a pinned snapshot. */
export function threadInput(q: ThreadQuery): QueryThreadInput {
  return {
    sql: q.sql,
    params: q.params,
    relations: relationPlans(q.pinned, q.coldPaths),
    hot: q.pinned.snapshotId === null ? null : { url: q.url, snapshotId: q.pinned.snapshotId },
    limits: q.limits,
    format: q.format,
  };
}
