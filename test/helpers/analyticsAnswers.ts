/**
 * Reading the analytics templates' answers: cells (HUGEINT as decimal strings, BIGINT as numbers,
 * blobs as lower-case 0x hex), column shapes, and the sampling rule of the windowed templates.
 */
import type { QueryResult, ResultCell } from '../../actors/query/queryTypes.js';

export { addr, big, int } from '../../actors/query/resultCells.js';

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
