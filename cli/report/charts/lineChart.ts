import { escapeXml } from '../escapeXml.js';
import { frame, layoutFor, seriesColor, type ChartOptions } from './frame.js';
import { axisTicks, linearScale, niceDomain, placeTicks, type Domain } from './scales.js';

export interface Point { x: number; y: number }
export interface Series { name: string; points: readonly Point[] }

export interface LineChartOptions extends ChartOptions {
  /** Fixed axis ranges; by default each axis spans its data, widened to round tick values. */
  xDomain?: Domain;
  yDomain?: Domain;
  formatX?: (value: number) => string;
  formatY?: (value: number) => string;
  /** Hold each value until the next point (balances change at blocks, they do not slide between them). */
  stepped?: boolean;
}

/** One polyline per series over shared linear axes; a legend when there are several series. */
export function lineChart(series: readonly Series[], options: LineChartOptions): string {
  const legend = series.length > 1 ? series.map((line) => line.name) : [];
  const points = series.flatMap((line) => line.points);
  const xDomain = options.xDomain ?? niceDomain(points.map((point) => point.x), false);
  const yDomain = options.yDomain ?? niceDomain(points.map((point) => point.y), false);
  const yTicks = axisTicks(yDomain, options.formatY);
  const layout = layoutFor(options, yTicks, legend.length > 0);
  const x = linearScale(xDomain, [layout.left, layout.right]);
  const y = linearScale(yDomain, [layout.bottom, layout.top]);

  const marks = series.map((line, index) => {
    const vertices = options.stepped ? stepVertices(line.points, xDomain[1]) : line.points;
    const coordinates = vertices.map((point) => `${x(point.x).toFixed(1)},${y(point.y).toFixed(1)}`).join(' ');
    // A lone point draws no line: mark it so the series is still visible.
    const dots = vertices.length === 1
      ? vertices.map((point) => `<circle cx="${x(point.x).toFixed(1)}" cy="${y(point.y).toFixed(1)}" r="3" fill="${seriesColor(index)}"/>`).join('')
      : '';
    return `<polyline data-series="${escapeXml(line.name)}" points="${coordinates}" fill="none" stroke="${seriesColor(index)}" stroke-width="2"/>${dots}`;
  });
  return frame(
    layout,
    options,
    placeTicks(axisTicks(xDomain, options.formatX), x),
    placeTicks(yTicks, y),
    legend,
    marks.join('\n'),
  );
}

/** The corners of a step-after line: each value holds until the next point's x, the last one until `untilX`. */
function stepVertices(points: readonly Point[], untilX: number): Point[] {
  const vertices = points.flatMap((point, index) => {
    const previous = points[index - 1];
    return previous ? [{ x: point.x, y: previous.y }, point] : [point];
  });
  const last = points[points.length - 1];
  if (last && last.x < untilX) vertices.push({ x: untilX, y: last.y });
  return vertices;
}
