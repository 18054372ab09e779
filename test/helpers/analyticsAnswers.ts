/**
 * Reading the analytics templates' answers: cells (HUGEINT as decimal strings, BIGINT as numbers,
 * blobs as lower-case 0x hex), column shapes, and the sampling rule of the windowed templates.
 */
import type { Address } from 'viem';
import type { QueryResult, ResultCell } from '../../actors/query/queryTypes.js';

export function big(cell: ResultCell | undefined): bigint {
  if (typeof cell !== 'string' || !/^-?\d+$/.test(cell)) throw new TypeError(`expected a decimal string, got ${JSON.stringify(cell)}`);
  return BigInt(cell);
}

export function int(cell: ResultCell | undefined): number {
  const n = typeof cell === 'string' ? Number(cell) : cell;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`expected an integer, got ${JSON.stringify(cell)}`);
  return n;
}

export function addr(cell: ResultCell | undefined): Address {
  if (typeof cell !== 'string' || !/^0x[0-9a-f]{40}$/.test(cell)) throw new TypeError(`expected a lower-case 0x address, got ${JSON.stringify(cell)}`);
  return cell as Address;
}

export function double(cell: ResultCell | undefined): number {
  if (typeof cell !== 'number') throw new TypeError(`expected a number, got ${JSON.stringify(cell)}`);
  return cell;
}

/** `name:TYPE` of every column. */
export function columns(result: QueryResult): string[] {
  return result.columns.map((c) => `${c.name}:${c.type}`);
}

/** The sampling rule of every windowed template: range(from, to + 1, step) ∪ {to}. */
export function sampledBlocks(from: number, to: number, step: number): number[] {
  const blocks = new Set<number>([to]);
  for (let b = from; b <= to; b += step) blocks.add(b);
  return [...blocks].sort((a, b) => a - b);
}

/** Largest first. */
export const descending = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);
