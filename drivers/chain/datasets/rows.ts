/**
 * Where a decoder is while it walks the fetched JSON, so a bad value fails with the dataset, block
 * and row named. Decoders set `block` and `item` as they go (cheap field writes) and format them
 * only on failure.
 */
import type { CryoDatasetName } from '../../datasets/catalog.js';

/** A fetched value that does not decode into the dataset's schema. */
export class DatasetDecodeError extends Error {
  override readonly name = 'DatasetDecodeError';
  constructor(
    readonly dataset: CryoDatasetName,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${dataset}: ${message}`, options);
  }
}

export class RowCursor {
  /** The block being decoded (its number as the node sent it). */
  block: unknown = undefined;
  /** The row's item within the block (transaction index, log index, …), undefined for the block itself. */
  item: unknown = undefined;

  constructor(
    readonly dataset: CryoDatasetName,
    private readonly itemLabel: string,
  ) {}

  /** `err` with the position prepended, as a DatasetDecodeError. */
  error(err: unknown): DatasetDecodeError {
    if (err instanceof DatasetDecodeError) return err;
    const where = `block ${show(this.block)}${this.item === undefined ? '' : ` ${this.itemLabel} ${show(this.item)}`}`;
    return new DatasetDecodeError(this.dataset, `${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  /** Fails at the current position. */
  fail(message: string): never {
    throw this.error(new Error(message));
  }
}

function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? 'unknown');
}

/** Chain ids go into a UInt64 column. */
export type ChainId = number | bigint;

export function chainIdValue(chainId: ChainId): bigint {
  const value = BigInt(chainId);
  if (value < 0n || value >= 1n << 64n) throw new RangeError(`chain id ${value} does not fit UInt64`);
  return value;
}
