import type { QueryResult, ResultCell } from '../actors/query/queryTypes.js';

function cellText(cell: ResultCell): string {
  return cell === null ? 'NULL' : String(cell);
}

/** A query result as a text table: columns padded to their widest cell; numbers right-aligned, everything else left-aligned. */
export function formatTable({ columns, rows }: Pick<QueryResult, 'columns' | 'rows'>): string {
  const texts = rows.map((row) => row.map(cellText));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...texts.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[], rightAligned: (i: number) => boolean) =>
    cells.map((cell, i) => (rightAligned(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [
    line(columns.map((c) => c.name), () => false),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...texts.map((cells, r) => line(cells, (i) => typeof rows[r]?.[i] === 'number')),
  ].join('\n');
}
