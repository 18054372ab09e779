import { copyIntoTable } from '../drivers/postgresCopy.js';
import type { PoolClient } from '../drivers/postgres.js';
import { loadStatements } from '../drivers/sqlStatements.js';
import { SYNC_DATASETS } from './syncJobSpec.js';

const SQL = loadStatements('data/hot.sql', ['deleteRange'] as const);

export type HotDataset = (typeof SYNC_DATASETS)[number];

export interface HotRange {
  dataset: HotDataset;
  chainId: number;
  start: number;
  end: number;
  columns: readonly string[];
  /** COPY text of the range's rows. */
  copyText: Uint8Array;
}

/**
 * Replaces a chain's hot rows of one dataset in [start, end) on the caller's transaction (a
 * cryo_ingest commit, a reorg rewrite): delete, then COPY, so a range loaded twice is loaded once.
 */
export async function replaceHotRange(client: PoolClient, dataSchema: string, range: HotRange): Promise<void> {
  if (!(SYNC_DATASETS as readonly string[]).includes(range.dataset)) throw new RangeError(`no hot table for dataset ${range.dataset}`);
  const table = `"${dataSchema}"."${range.dataset}"`;
  await client.query(SQL.deleteRange.text.replaceAll('{{table}}', table), [range.chainId, range.start, range.end]);
  await copyIntoTable(client, table, range.columns, range.copyText);
}
