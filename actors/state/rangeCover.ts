/** A block range [start, end) as the registry stores it (numbers or their decimal text). */
export interface BlockRange {
  range_start: string | number;
  range_end: string | number;
}

/** Whether `ranges`, in order, follow one another without gap or overlap from `start` to exactly `end`. */
export function coversExactly(ranges: readonly BlockRange[], start: number, end: number): boolean {
  let next = start;
  for (const r of ranges) {
    if (Number(r.range_start) !== next) return false;
    next = Number(r.range_end);
  }
  return ranges.length > 0 && next === end;
}
