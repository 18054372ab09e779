import { CHART_PRECISION, formatNumber, formatPercent } from '../numberFormat.js';
import { lineChart, type Point } from './lineChart.js';

/**
 * The Lorenz curve of stakes (base-unit amounts): validators sorted by stake ascending, the
 * cumulative share of validators against their cumulative share of stake, from (0,0) to (1,1).
 * Shares are computed with BigInt and kept to 6 decimals.
 */
export function lorenzPoints(stakes: readonly (string | bigint)[]): Point[] {
  const sorted = stakes.map((stake) => BigInt(stake)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const total = sorted.reduce((sum, stake) => sum + stake, 0n);
  const points: Point[] = [{ x: 0, y: 0 }];
  let cumulative = 0n;
  sorted.forEach((stake, index) => {
    cumulative += stake;
    const x = (index + 1) / sorted.length;
    // No stake at all: nobody holds more than anybody else, so the curve is the equality line.
    const y = total === 0n ? x : Number((cumulative * CHART_PRECISION) / total) / Number(CHART_PRECISION);
    points.push({ x, y });
  });
  return points;
}

/** The Lorenz curve with the line of perfect equality; `gini` is the figure the report states. */
export function lorenzCurve(stakes: readonly (string | bigint)[], options: { gini: number; width?: number; height?: number }): string {
  return lineChart(
    [
      { name: 'perfect equality', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
      { name: 'stake', points: lorenzPoints(stakes) },
    ],
    {
      title: `Lorenz curve of stake (Gini ${formatNumber(options.gini)})`,
      xLabel: 'cumulative share of validators (by stake, ascending)',
      yLabel: 'cumulative share of stake',
      xDomain: [0, 1],
      yDomain: [0, 1],
      formatX: formatPercent,
      formatY: formatPercent,
      width: options.width ?? 640,
      height: options.height ?? 440,
    },
  );
}
