/**
 * Checks of RPC JSON values against the column they go into: a bad value throws a
 * `ColumnValueError` naming the column and the value.
 */
import { hexToBigInt, isHex } from 'viem';

export const MAX_U32 = 0xffff_ffffn;
export const MAX_U64 = (1n << 64n) - 1n;
export const MAX_U256 = (1n << 256n) - 1n;

/** A value that does not fit its column. */
export class ColumnValueError extends Error {
  override readonly name = 'ColumnValueError';
  constructor(
    readonly column: string,
    value: unknown,
    expected: string,
  ) {
    super(`column ${column}: expected ${expected}, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'bigint' ? String(value) : String(JSON.stringify(value));
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** A hex quantity (`0x` + digits, as JSON-RPC encodes numbers) as a bigint, or a ColumnValueError. */
export function quantity(column: string, value: unknown, max: bigint, expected: string): bigint {
  if (typeof value === 'string' && value.length > 2 && isHex(value, { strict: true })) {
    const number = hexToBigInt(value);
    if (number <= max) return number;
  }
  throw new ColumnValueError(column, value, expected);
}
