import { safeguardSkipped } from '../../runtime/failpoints.js';
import { HOT_DATASETS, hotColumnNames, isHotDataset, type HotDatasetName } from '../../drivers/datasets/catalog.js';
import { copyIntoTable } from '../../drivers/postgres/copy.js';
import { withTransaction, type PgClient, type PgPool } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';

const SQL = loadStatements('data/hot.sql', ['deleteRange', 'trimOldRanges'] as const);

export interface HotRange {
  dataset: HotDatasetName;
  chainId: number;
  start: number;
  end: number;
  /** COPY text of the range's rows, in the dataset's catalog column order. */
  copyText: Uint8Array;
}

/** The quoted Postgres table holding the dataset's hot rows. */
export function hotTable(dataSchema: string, dataset: string): string {
  if (!isHotDataset(dataset)) throw new RangeError(`no hot table for dataset ${dataset}`);
  return `"${dataSchema}"."${dataset}"`;
}

/**
 * Replaces a chain's hot rows of one dataset in [start, end) on the caller's transaction (a
 * cryo_ingest commit, a reorg rewrite): delete, then COPY, so a range loaded twice is loaded once.
 */
export async function replaceHotRange(client: PgClient, dataSchema: string, range: HotRange): Promise<void> {
  const table = hotTable(dataSchema, range.dataset);
  if (!safeguardSkipped('hotRows.deleteBeforeCopy')) await client.query(SQL.deleteRange.text.replaceAll('{{table}}', table), [range.chainId, range.start, range.end]);
  await copyIntoTable(client, table, hotColumnNames(range.dataset), range.copyText);
}

/**
 * Keeps hot tables to the hot tier, the newest `retentionBlocks` of each dataset on each chain: the
 * rows of live versions that end before it are deleted, whole ranges (their files serve them),
 * behind a failed range's gap too. Returns the rows deleted.
 */
export async function trimHotRows(db: PgPool, dataSchema: string, retentionBlocks: number): Promise<number> {
  // One transaction for every dataset: an idle janitor's tick costs one commit, not one per table.
  return withTransaction(db, async (client) => {
    let deleted = 0;
    for (const dataset of HOT_DATASETS) {
      const { rowCount } = await client.query(SQL.trimOldRanges.text.replaceAll('{{table}}', hotTable(dataSchema, dataset)), [retentionBlocks, dataset]);
      deleted += rowCount ?? 0;
    }
    return deleted;
  });
}

/** Deletes a chain's hot rows of one dataset from `fromBlock` on (a reorg invalidated them). */
export async function deleteHotRowsFrom(client: PgClient, dataSchema: string, dataset: HotDatasetName, chainId: number, fromBlock: number): Promise<void> {
  await client.query(SQL.deleteRange.text.replaceAll('{{table}}', hotTable(dataSchema, dataset)), [chainId, fromBlock, Number.MAX_SAFE_INTEGER]);
}
