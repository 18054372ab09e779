/**
 * Read-back check of a written Parquet file: a checksum of the logs rows computed here from the
 * Arrow batches and the same checksum computed by DuckDB over `read_parquet(path)`, plus DuckDB's
 * column types. The row digest covers every column of every row (an order-independent sum of
 * md5_number_lower over a text rendering of the row), so a dropped, duplicated, truncated or
 * misplaced value anywhere changes it; the plain sums say which column went wrong.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Data, RecordBatch } from 'apache-arrow';
import { cryoColumns } from '../../actors/query/relations.js';

export interface LogsChecksum {
  rows: bigint;
  sum_block_number: bigint;
  sum_transaction_index: bigint;
  sum_log_index: bigint;
  sum_n_data_bytes: bigint;
  sum_data_length: bigint;
  sum_chain_id: bigint;
  topic_counts: string;
  row_digest: bigint;
}

const TOPICS = ['topic0', 'topic1', 'topic2', 'topic3'] as const;
const BLOBS = ['block_hash', 'transaction_hash', 'address', ...TOPICS, 'data'] as const;
const INTS = ['block_number', 'transaction_index', 'log_index', 'n_data_bytes', 'chain_id'] as const;
const FIRST_TOPIC = BLOBS.indexOf('topic0');
const DATA = BLOBS.indexOf('data');

/** DuckDB's side, rendering rows as `LogsChecksumBuilder.add` does: ints in decimal, blobs in lowercase hex, NULL as '-'. */
const CHECKSUM_SQL = (path: string): string => `
  SELECT count(*)::HUGEINT AS rows,
    coalesce(sum(block_number), 0)::HUGEINT AS sum_block_number,
    coalesce(sum(transaction_index), 0)::HUGEINT AS sum_transaction_index,
    coalesce(sum(log_index), 0)::HUGEINT AS sum_log_index,
    coalesce(sum(n_data_bytes), 0)::HUGEINT AS sum_n_data_bytes,
    coalesce(sum(octet_length(data)), 0)::HUGEINT AS sum_data_length,
    coalesce(sum(chain_id), 0)::HUGEINT AS sum_chain_id,
    ${TOPICS.map((t) => `count(${t})::VARCHAR`).join(` || ',' || `)} AS topic_counts,
    coalesce(sum(md5_number_lower(concat_ws('|',
      ${INTS.map((c) => `${c}::VARCHAR`).join(', ')},
      ${BLOBS.map((c) => `coalesce(lower(hex(${c})), '-')`).join(', ')}))), 0)::HUGEINT AS row_digest
  FROM read_parquet(${sqlString(path)})`;

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Accumulates the checksum of logs batches as they are generated. */
export class LogsChecksumBuilder {
  private rows = 0n;
  private readonly sums = { block_number: 0n, transaction_index: 0n, log_index: 0n, n_data_bytes: 0n, chain_id: 0n };
  private dataLength = 0n;
  private readonly topicCounts = [0, 0, 0, 0];
  private digest = 0n;

  add(batch: RecordBatch): void {
    const ints = INTS.map((name) => singleChunk(batch, name));
    const blobs = BLOBS.map((name) => singleChunk(batch, name));
    const intSums = [0, 0, 0, 0];
    let chainIds = 0n;
    for (let row = 0; row < batch.numRows; row++) {
      const parts: string[] = [];
      ints.forEach((column, i) => {
        const value = (column.values as Uint32Array | BigUint64Array)[row]!;
        parts.push(String(value));
        if (typeof value === 'bigint') chainIds += value;
        else intSums[i]! += value;
      });
      blobs.forEach((column, i) => {
        const bytes = blobAt(column, row);
        if (bytes === null) {
          parts.push('-');
          return;
        }
        parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
        const topic = i - FIRST_TOPIC;
        if (topic >= 0 && topic < TOPICS.length) this.topicCounts[topic]!++;
        if (i === DATA) this.dataLength += BigInt(bytes.byteLength);
      });
      this.digest += createHash('md5').update(parts.join('|')).digest().readBigUInt64LE(8);
    }
    this.rows += BigInt(batch.numRows);
    this.sums.block_number += BigInt(intSums[0]!);
    this.sums.transaction_index += BigInt(intSums[1]!);
    this.sums.log_index += BigInt(intSums[2]!);
    this.sums.n_data_bytes += BigInt(intSums[3]!);
    this.sums.chain_id += chainIds;
  }

  result(): LogsChecksum {
    return {
      rows: this.rows,
      sum_block_number: this.sums.block_number,
      sum_transaction_index: this.sums.transaction_index,
      sum_log_index: this.sums.log_index,
      sum_n_data_bytes: this.sums.n_data_bytes,
      sum_data_length: this.dataLength,
      sum_chain_id: this.sums.chain_id,
      topic_counts: this.topicCounts.join(','),
      row_digest: this.digest,
    };
  }
}

/**
 * Checks `path` in DuckDB against `expected` and against the logs column types; returns the list of
 * mismatches (empty = reads back correctly).
 */
export async function verifyLogsParquet(connection: DuckDBConnection, path: string, expected: LogsChecksum): Promise<string[]> {
  const problems: string[] = [];
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`);
  const actualTypes = described.getRowObjectsJS().map((row) => `${String(row['column_name'])} ${String(row['column_type'])}`);
  const expectedTypes = cryoColumns('logs').map(({ name, type }) => `${name} ${type}`);
  if (actualTypes.join(', ') !== expectedTypes.join(', ')) {
    problems.push(`columns: got [${actualTypes.join(', ')}], expected [${expectedTypes.join(', ')}]`);
  }
  const reader = await connection.runAndReadAll(CHECKSUM_SQL(path));
  const [actual] = reader.getRowObjectsJS();
  if (actual === undefined) return [...problems, 'checksum query returned no row'];
  for (const [key, value] of Object.entries(expected)) {
    const got = actual[key];
    if (String(got) !== String(value)) problems.push(`${key}: got ${String(got)}, expected ${String(value)}`);
  }
  return problems;
}

/** The one unsliced Data chunk of a column, as `generateLogBatches` builds them. */
function singleChunk(batch: RecordBatch, name: string): Data {
  const data = batch.getChild(name)?.data;
  const [chunk] = data ?? [];
  if (data?.length !== 1 || chunk === undefined || chunk.offset !== 0) throw new Error(`column ${name}: expected one unsliced Data chunk`);
  return chunk;
}

function blobAt(column: Data, row: number): Uint8Array | null {
  if (!column.getValid(row)) return null;
  const offsets = column.valueOffsets as Int32Array;
  return (column.values as Uint8Array).subarray(offsets[row]!, offsets[row + 1]!);
}
