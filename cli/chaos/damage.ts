/**
 * What a fault kind's run did to the system, counted after it settled: the counters the issue
 * names, each of which must be 0. Ranges, versions, lapsed leases and the outbox are read with the
 * harness's statements (sql/harness/invariants.sql); objects against the registry as the harness's
 * untracked-objects invariant does; rows and files against the undisturbed run and the devnet.
 */
import { createHash } from 'node:crypto';
import type { PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements, type Statement } from '../../drivers/postgres/sqlStatements.js';
import type { ObjectStore } from '../../drivers/store/objectStore.js';
import { outboxDrains } from '../harness/invariants/stateInvariants.js';
import { queryMismatches, type QueryAnswers } from './queryCheck.js';

const HARNESS = loadStatements('harness/invariants.sql', ['rangeRegistrations', 'overlappingVersions', 'lapsedLeases', 'trackedObjects'] as const);
const SQL = loadStatements('harness/chaos.sql', ['retriedTasks', 'unfinishedTasks', 'deadLetters', 'versionObjects', 'hotBlocks', 'hotTransactions', 'hotLogs', 'hotGethCalls', 'blockHashes', 'logBlockHashes', 'callTransactions'] as const);

/** The publisher drains the outbox within a few polls (200 ms each in chaos) once the database is back. */
const OUTBOX_DRAIN_MS = 15_000;
const HOT_TABLES = { blocks: SQL.hotBlocks, transactions: SQL.hotTransactions, logs: SQL.hotLogs, geth_calls: SQL.hotGethCalls } as const;
export type Dataset = keyof typeof HOT_TABLES;

/** What a run produced: every dataset's hot rows, the content hash of every registered file, the analytic queries' answers. */
export interface RunData {
  rows: Record<Dataset, string[]>;
  queries: QueryAnswers;
  /** `dataset [start, end) #i` → sha256 of the file's bytes. */
  files: Map<string, string>;
}

/** The devnet's own chain: each block's hash and its transactions' hashes, in order. */
export type CanonicalChain = { block_number: number; block_hash: string; transaction_hashes: string[] }[];

export interface Damage {
  tasks_retried: number;
  /** Tasks (range ingests, and the probe tasks an injection submitted) that never succeeded. */
  tasks_lost: number;
  ranges_lost: number;
  ranges_double_registered: number;
  overlapping_versions: number;
  untracked_objects: number;
  stale_cold_files: number;
  hot_rows_mismatch: number;
  running_with_lapsed_lease: number;
  outbox_parked: number;
  dead_letters_not_poison: number;
  /** Analytic queries through the gateway that failed or answered otherwise than in the undisturbed run. */
  query_mismatch: number;
  data_identical: boolean;
  /** Why, for each counter that is not 0 (and data_identical false): the first few cases. */
  problems: string[];
}

export async function readRunData(db: PgPool, store: ObjectStore, queries: QueryAnswers): Promise<RunData> {
  const rows = {} as Record<Dataset, string[]>;
  for (const [dataset, sql] of Object.entries(HOT_TABLES) as [Dataset, Statement][]) rows[dataset] = (await db.query<{ row: string }>(sql)).rows.map((r) => r.row);
  const files = new Map<string, string>();
  const versions = (await db.query<{ dataset: string; range_start: number; range_end: number; bucket: string; object_keys: string[] }>(SQL.versionObjects)).rows;
  for (const v of versions) {
    for (const [i, key] of v.object_keys.entries()) {
      const hash = createHash('sha256');
      for await (const chunk of await store.get(v.bucket, key)) hash.update(chunk as Buffer);
      files.set(`${v.dataset} [${v.range_start}, ${v.range_end}) #${i}`, hash.digest('hex'));
    }
  }
  return { rows, files, queries };
}

/** Counts the damage of a run against the undisturbed run's data (undefined: this is the undisturbed run) and the devnet's chain. */
export async function countDamage(
  db: PgPool,
  store: ObjectStore,
  buckets: readonly string[],
  baseline: RunData | undefined,
  canonical: CanonicalChain,
  queries: QueryAnswers,
): Promise<{ damage: Damage; data: RunData }> {
  const problems: string[] = [];
  const note = (what: string, cases: readonly string[]) => cases.slice(0, 3).forEach((c) => problems.push(`${what}: ${c}`));

  const ranges = (await db.query<{ stream_key: string; range_start: number; range_end: number; versions: number }>(HARNESS.rangeRegistrations)).rows;
  const lost = ranges.filter((r) => r.versions === 0).map((r) => `${r.stream_key} [${r.range_start}, ${r.range_end}) never registered`);
  if (ranges.length === 0) lost.push('no range was planned');
  const doubled = ranges.filter((r) => r.versions > 1).map((r) => `${r.stream_key} [${r.range_start}, ${r.range_end}) registered ${r.versions} times`);
  const overlaps = (await db.query<{ dataset: string; range_start: number; range_end: number; other_start: number; other_end: number }>(HARNESS.overlappingVersions)).rows.map(
    (o) => `${o.dataset} [${o.range_start}, ${o.range_end}) overlaps [${o.other_start}, ${o.other_end})`,
  );
  const lapsed = (await db.query<{ task_id: string; worker_id: string }>(HARNESS.lapsedLeases)).rows.map((l) => `task ${l.task_id} running on ${l.worker_id}`);
  const outbox = await outboxDrains(db, OUTBOX_DRAIN_MS);
  const parked = outbox.holds ? [] : outbox.problems;
  const deadLetters = (await db.query<{ queue: string; message_id: string; poison: boolean; last_error: string | null }>(SQL.deadLetters)).rows
    .filter((d) => !d.poison)
    .map((d) => `${d.queue} message ${d.message_id}: ${d.last_error ?? 'no error recorded'}`);
  const untracked = await untrackedObjects(db, store, buckets);
  const data = await readRunData(db, store, queries);
  const answered = queryMismatches(baseline?.queries, queries);
  const stale = baseline === undefined ? [] : staleFiles(baseline.files, data.files);
  const mismatched = baseline === undefined ? [] : rowMismatches(baseline.rows, data.rows);
  const chain = await chainMismatches(db, canonical);
  const { tasks } = (await db.query<{ tasks: number }>(SQL.retriedTasks)).rows[0]!;
  const unfinished = (await db.query<{ task_id: string; operator: string; status: string; attempt: number }>(SQL.unfinishedTasks)).rows.map(
    (u) => `task ${u.task_id} (${u.operator}) ${u.status} after attempt ${u.attempt}`,
  );

  note('tasks_lost', unfinished);
  note('ranges_lost', lost);
  note('ranges_double_registered', doubled);
  note('overlapping_versions', overlaps);
  note('untracked_objects', untracked);
  note('stale_cold_files', stale);
  note('hot_rows_mismatch', mismatched);
  note('running_with_lapsed_lease', lapsed);
  note('outbox_parked', parked);
  note('dead_letters_not_poison', deadLetters);
  note('query_mismatch', answered);
  note('data_identical', chain);
  return {
    damage: {
      tasks_retried: tasks,
      tasks_lost: unfinished.length,
      ranges_lost: lost.length,
      ranges_double_registered: doubled.length,
      overlapping_versions: overlaps.length,
      untracked_objects: untracked.length,
      stale_cold_files: stale.length,
      hot_rows_mismatch: mismatched.length,
      running_with_lapsed_lease: lapsed.length,
      outbox_parked: parked.length,
      dead_letters_not_poison: deadLetters.length,
      query_mismatch: answered.length,
      data_identical: mismatched.length === 0 && stale.length === 0 && chain.length === 0 && lost.length === 0,
      problems,
    },
    data,
  };
}

async function untrackedObjects(db: PgPool, store: ObjectStore, buckets: readonly string[]): Promise<string[]> {
  const tracked = new Set((await db.query<{ bucket: string; object_key: string }>(HARNESS.trackedObjects)).rows.map((r) => `${r.bucket}/${r.object_key}`));
  const untracked: string[] = [];
  for (const bucket of buckets) {
    for await (const object of store.list(bucket, '')) if (!tracked.has(`${bucket}/${object.key}`)) untracked.push(`s3://${bucket}/${object.key}`);
  }
  return untracked;
}

/** Files whose content differs from the undisturbed run's file of the same range and position, or that one of the runs lacks. */
function staleFiles(baseline: Map<string, string>, run: Map<string, string>): string[] {
  const keys = new Set([...baseline.keys(), ...run.keys()]);
  return [...keys].filter((k) => baseline.get(k) !== run.get(k)).map((k) => `${k}: ${run.has(k) ? (baseline.has(k) ? 'content differs' : 'not in the undisturbed run') : 'missing'}`);
}

/** Rows in one run's dataset and not the other's (as multisets; both lists are sorted). */
function rowMismatches(baseline: Record<Dataset, string[]>, run: Record<Dataset, string[]>): string[] {
  const out: string[] = [];
  for (const dataset of Object.keys(HOT_TABLES) as Dataset[]) {
    const counts = new Map<string, number>();
    for (const row of baseline[dataset]) counts.set(row, (counts.get(row) ?? 0) + 1);
    for (const row of run[dataset]) counts.set(row, (counts.get(row) ?? 0) - 1);
    for (const [row, n] of counts) if (n !== 0) out.push(`${dataset}: ${n > 0 ? 'missing' : 'extra'} ${Math.abs(n)}× ${row.slice(0, 80)}`);
  }
  return out;
}

/**
 * Hot rows that are not the devnet's chain: a block missing, extra, served twice or with another
 * hash; a block's transactions not the devnet's; logs carrying a replaced block's hash; call traces
 * of a transaction the block does not have (rows of a fork that is gone).
 */
async function chainMismatches(db: PgPool, canonical: CanonicalChain): Promise<string[]> {
  const synced = new Map<number, { block_hash: string; transaction_hashes: string[] }[]>();
  for (const b of (await db.query<{ block_number: number; block_hash: string; transaction_hashes: string[] }>(SQL.blockHashes)).rows) {
    synced.set(b.block_number, [...(synced.get(b.block_number) ?? []), b]);
  }
  const byNumber = new Map(canonical.map((b) => [b.block_number, b]));
  const out: string[] = [];
  for (const block of canonical) {
    const got = synced.get(block.block_number) ?? [];
    if (got.length === 0) out.push(`block ${block.block_number} missing`);
    else if (got.length > 1) out.push(`block ${block.block_number} served ${got.length} times (hashes ${got.map((g) => g.block_hash).join(', ')})`);
    else if (got[0]!.block_hash !== block.block_hash) out.push(`block ${block.block_number} hash ${got[0]!.block_hash}, the devnet's is ${block.block_hash}`);
    else if (got[0]!.transaction_hashes.join() !== block.transaction_hashes.join()) {
      out.push(`block ${block.block_number} has transactions ${got[0]!.transaction_hashes.join(', ') || 'none'}, the devnet's ${block.transaction_hashes.join(', ') || 'none'}`);
    }
    synced.delete(block.block_number);
  }
  for (const extra of synced.keys()) out.push(`block ${extra} is not on the devnet's chain`);
  for (const log of (await db.query<{ block_number: number; block_hash: string }>(SQL.logBlockHashes)).rows) {
    const hash = byNumber.get(log.block_number)?.block_hash;
    if (hash !== log.block_hash) out.push(`logs of block ${log.block_number} carry hash ${log.block_hash}, the devnet's is ${hash ?? 'no block'}`);
  }
  for (const call of (await db.query<{ block_number: number; transaction_hash: string }>(SQL.callTransactions)).rows) {
    if (!byNumber.get(call.block_number)?.transaction_hashes.includes(call.transaction_hash)) out.push(`geth_calls of transaction ${call.transaction_hash} in block ${call.block_number}, which the devnet's block does not have`);
  }
  return out;
}
