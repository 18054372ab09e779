/** Linear scales and round ("nice") axis ranges and ticks, shared by every chart. */
import { formatNumber, SIGNIFICANT_DIGITS } from '../numberFormat.js';

export type Domain = readonly [min: number, max: number];

/** Maps a data range onto a pixel range (pixels may run backwards, as y does). */
export function linearScale([d0, d1]: Domain, [p0, p1]: Domain): (value: number) => number {
  const span = d1 - d0 || 1;
  return (value) => p0 + ((value - d0) / span) * (p1 - p0);
}

/** Intervals an axis is divided into, about. */
const TICK_INTERVALS = 5;

/** The tick step: 1, 2 or 5 times a power of ten, giving about TICK_INTERVALS intervals. */
function tickStep([min, max]: Domain): number {
  const raw = (max - min) / TICK_INTERVALS;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= raw) ?? 10 * power;
}

/** Drops float noise such as 0.30000000000000004 from computed tick values. */
const roundTick = (value: number): number => Number(value.toPrecision(12));

/** The data's range widened to whole tick steps; a flat or empty range gets some room. */
export function niceDomain(values: readonly number[], includeZero: boolean): Domain {
  let min = values.length > 0 ? Math.min(...values) : 0;
  let max = values.length > 0 ? Math.max(...values) : 1;
  if (includeZero) {
    min = Math.min(min, 0);
    max = Math.max(max, 0);
  }
  if (min === max) {
    const room = Math.abs(min) * 0.05 || 1;
    min -= room;
    max += room;
  }
  const step = tickStep([min, max]);
  return [roundTick(Math.floor(min / step) * step), roundTick(Math.ceil(max / step) * step)];
}

/** A tick on an axis, by value. */
export interface AxisTick { value: number; label: string }
/** A tick placed: its pixel position along the axis. */
export interface Tick { at: number; label: string }

/**
 * Ticks at the round values within `domain`, labelled by `format`, or else with just enough
 * significant digits to tell neighbours apart (a supply of 5.4e9 moving by 500s needs 5.4005e9).
 */
export function axisTicks(domain: Domain, format?: (value: number) => string): AxisTick[] {
  const step = tickStep(domain);
  const largest = Math.max(Math.abs(domain[0]), Math.abs(domain[1]));
  const digits = Math.max(SIGNIFICANT_DIGITS, Math.floor(Math.log10(largest)) - Math.floor(Math.log10(step)) + 1);
  const label = format ?? ((value: number) => formatNumber(value, digits));
  const ticks: AxisTick[] = [];
  for (let index = Math.ceil(domain[0] / step); index * step <= domain[1] + step * 1e-9; index++) {
    const value = roundTick(index * step);
    ticks.push({ value, label: label(value) });
  }
  return ticks;
}

export const placeTicks = (ticks: readonly AxisTick[], toPixel: (value: number) => number): Tick[] =>
  ticks.map((tick) => ({ at: toPixel(tick.value), label: tick.label }));
