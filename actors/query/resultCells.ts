/**
 * Reading the cells of a JSON query result as the values they encode: HUGEINT as decimal strings,
 * BIGINT as numbers, blobs (addresses) as lower-case 0x hex. Each throws on a cell of another shape.
 */
import type { ResultCell } from './queryTypes.js';

export function big(cell: ResultCell | undefined): bigint {
  if (typeof cell !== 'string' || !/^-?\d+$/.test(cell)) throw new TypeError(`expected a decimal string, got ${JSON.stringify(cell)}`);
  return BigInt(cell);
}

export function int(cell: ResultCell | undefined): number {
  const n = typeof cell === 'string' ? Number(cell) : cell;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`expected an integer, got ${JSON.stringify(cell)}`);
  return n;
}

export function addr(cell: ResultCell | undefined): `0x${string}` {
  if (typeof cell !== 'string' || !/^0x[0-9a-f]{40}$/.test(cell)) throw new TypeError(`expected a lower-case 0x address, got ${JSON.stringify(cell)}`);
  return cell as `0x${string}`;
}
