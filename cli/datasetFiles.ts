/**
 * The committed files of the registry, read back from the store and checked against what the
 * registry recorded at commit: row count, schema (the dataset's Cryo columns for its config), the
 * sha256 of the bytes and the store's ETag. `trace-lite verify` prints the checks; `trace-lite
 * export` refuses to write a file that fails them.
 */
import { createHash } from 'node:crypto';
import { tableFromIPC } from 'apache-arrow';
import type { DatasetVersion } from '../actors/state/datasetRegistry.js';
import { columnsOfConfig, isCryoDataset } from '../drivers/datasets/catalog.js';
import { parquetToIpc } from '../drivers/parquet/parquetReader.js';
import type { ObjectStore } from '../drivers/store/objectStore.js';

/** One check: `ok`, `unrecorded` (the version predates the record), or what differs. */
export type CheckOutcome = string;
const OK = 'ok';
const UNRECORDED = 'unrecorded';

export interface FileCheck {
  dataset: string;
  chain_id: number;
  range: [number, number];
  key: string;
  rows: CheckOutcome;
  schema: CheckOutcome;
  sha256: CheckOutcome;
  etag: CheckOutcome;
  /** Every check is ok or unrecorded. */
  ok: boolean;
}

export interface CheckedFile {
  check: FileCheck;
  /** The object's bytes as read (what export writes). */
  bytes: Uint8Array;
}

/** `name Type` per column of a file of a Cryo dataset with this config; null for other datasets (their schema is their own). */
function expectedSchema(version: DatasetVersion): string[] | null {
  if (!isCryoDataset(version.dataset)) return null;
  return columnsOfConfig(version.dataset, version.config_hash).map(({ name, type }) => `${name} ${type}`);
}

/** Reads each object of `version` from the store and checks it against the registry. */
export async function checkVersionFiles(store: ObjectStore, version: DatasetVersion): Promise<CheckedFile[]> {
  const expected = expectedSchema(version);
  const files: CheckedFile[] = [];
  let rows = 0;
  for (const [i, key] of version.object_keys.entries()) {
    const [bytes, info] = await Promise.all([store.getBytes(version.bucket, key), store.head(version.bucket, key)]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const recordedSha = version.object_sha256?.[i];
    const recordedEtag = version.object_etags?.[i];
    let schema: CheckOutcome;
    let fileRows = 0;
    try {
      const table = tableFromIPC(parquetToIpc(bytes));
      fileRows = table.numRows;
      const read = table.schema.fields.map((f) => `${f.name} ${String(f.type)}`);
      schema = expected === null || read.join(',') === expected.join(',') ? OK : `expected ${expected.join(', ')}; read ${read.join(', ')}`;
    } catch (err) {
      schema = `not readable as Parquet: ${err instanceof Error ? err.message : String(err)}`;
    }
    rows += fileRows;
    const check: FileCheck = {
      dataset: version.dataset,
      chain_id: Number(version.chain_id),
      range: [Number(version.range_start), Number(version.range_end)],
      key,
      rows: OK,
      schema,
      sha256: recordedSha === undefined ? UNRECORDED : recordedSha === sha256 ? OK : `recorded ${recordedSha.slice(0, 12)}…, read ${sha256.slice(0, 12)}…`,
      etag: recordedEtag === undefined ? UNRECORDED : recordedEtag === info?.etag ? OK : `recorded ${recordedEtag}, store has ${info?.etag ?? 'no object'}`,
      ok: false,
    };
    files.push({ check, bytes });
  }
  // The registry records a version's row count, not each file's: the files together must hold it.
  if (rows !== Number(version.row_count)) for (const { check } of files) check.rows = `registry ${version.row_count}, files ${rows}`;
  for (const { check } of files) check.ok = [check.rows, check.schema, check.sha256, check.etag].every((outcome) => outcome === OK || outcome === UNRECORDED);
  return files;
}
