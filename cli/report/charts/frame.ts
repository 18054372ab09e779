/**
 * The frame every chart shares: layout, palette, title, grid, axes with tick labels, axis labels and
 * legend around the chart's own marks. Charts are standalone SVG documents whose root carries width,
 * height and viewBox (so an <img> gets a natural size).
 */
import { escapeXml } from '../escapeXml.js';
import type { AxisTick, Tick } from './scales.js';

export interface ChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const seriesColor = (index: number): string => PALETTE[index % PALETTE.length] ?? '#333';

const FONT = 'font-family="system-ui, sans-serif"';
const LEGEND_WIDTH = 170;
const LEGEND_ROW = 18;

export interface Layout {
  width: number;
  height: number;
  /** The plotting area, in pixels. */
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Width of a tick label character at font size 11, about (digits, `.`, `e`). */
const LABEL_CHAR_WIDTH = 6.5;

/** The plot starts right of the widest y tick label and the rotated y axis label. */
export function layoutFor(options: ChartOptions, yTicks: readonly AxisTick[], withLegend: boolean): Layout {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const labelWidth = Math.max(0, ...yTicks.map((tick) => tick.label.length)) * LABEL_CHAR_WIDTH;
  const left = Math.max(60, Math.ceil(labelWidth) + 34);
  return { width, height, left, top: 44, right: width - (withLegend ? LEGEND_WIDTH : 24), bottom: height - 52 };
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

/** The document around a chart's marks: background, title, grid, axes with tick labels, axis labels, legend. */
export function frame(layout: Layout, options: ChartOptions, xTicks: readonly Tick[], yTicks: readonly Tick[], legend: readonly string[], marks: string): string {
  const { width, height, left, top, right, bottom } = layout;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(width / 2, 24, options.title, 'text-anchor="middle" font-size="15" font-weight="600"'),
    ...yTicks.map((tick) => `<line x1="${left}" x2="${right}" y1="${tick.at.toFixed(1)}" y2="${tick.at.toFixed(1)}" stroke="#e5e5e5"/>`),
    ...yTicks.map((tick) => text(left - 6, tick.at + 4, tick.label, 'text-anchor="end" fill="#444"')),
    ...xTicks.map((tick) => `<line x1="${tick.at.toFixed(1)}" x2="${tick.at.toFixed(1)}" y1="${bottom}" y2="${bottom + 4}" stroke="#444"/>`),
    ...xTicks.map((tick) => text(tick.at, bottom + 16, tick.label, 'text-anchor="middle" fill="#444"')),
    // Axes before the marks: a line along the bottom of its range stays visible.
    `<path d="M${left},${top}V${bottom}H${right}" fill="none" stroke="#444"/>`,
    marks,
  ];
  if (options.xLabel) parts.push(text((left + right) / 2, height - 12, options.xLabel, 'text-anchor="middle"'));
  if (options.yLabel) {
    const middle = (top + bottom) / 2;
    parts.push(text(14, middle, options.yLabel, `text-anchor="middle" transform="rotate(-90 14 ${middle.toFixed(1)})"`));
  }
  legend.forEach((name, index) => {
    const y = top + index * LEGEND_ROW;
    parts.push(`<rect x="${right + 12}" y="${y}" width="12" height="12" fill="${seriesColor(index)}"/>`);
    parts.push(text(right + 30, y + 10, name));
  });
  parts.push('</svg>');
  return parts.join('\n');
}
