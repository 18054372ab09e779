/**
 * Dependency-free SVG charts for the static report: line charts, bar charts and the Lorenz curve of
 * stake. Every builder is a pure function returning a standalone SVG document whose root carries
 * width, height and viewBox (so an <img> gets a natural size); all of them share one frame: layout,
 * linear scales, nice ticks, axes, title and legend. Also here: the number formatting the charts and
 * the report share, and XML escaping.
 */

export interface Point { x: number; y: number }
export interface Series { name: string; points: readonly Point[] }
export interface Bar { label: string; value: number }

export interface ChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

export interface LineChartOptions extends ChartOptions {
  /** Fixed axis ranges; by default each axis spans its data, widened to round tick values. */
  xDomain?: Domain;
  yDomain?: Domain;
  formatX?: (value: number) => string;
  formatY?: (value: number) => string;
  /** Hold each value until the next point (balances change at blocks, they do not slide between them). */
  stepped?: boolean;
}

export type Domain = readonly [min: number, max: number];

// ---------------------------------------------------------------------------------------------
// Text and numbers

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for XML character data and attribute values (and so for HTML too). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => XML_ENTITIES[char] ?? char);
}

/** Digits kept in scientific notation, and decimals kept in plain notation. */
const SIGNIFICANT_DIGITS = 4;
const PLAIN_DECIMALS = 4;
/** Magnitudes shown plainly; outside it (and never for zero) scientific notation reads better. */
const PLAIN_MIN = 1e-4;
const PLAIN_MAX = 1e6;

/** `5.400` → `5.4`, `12.0000` → `12`: trailing fractional zeros carry no information here. */
function trimFraction(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/0+$/, '').replace(/\.$/, '') : decimal;
}

function scientific(sign: string, mantissaDigits: string, exponent: number): string {
  const mantissa = trimFraction(`${mantissaDigits.slice(0, 1)}.${mantissaDigits.slice(1)}`);
  return `${sign}${mantissa}e${exponent}`;
}

/**
 * A number for axis ticks and figures: up to 4 decimals between 1e-4 and 1e6 (`0.465`, `1050`),
 * 4 significant digits outside (`5.4e9`), or more where ticks need them to differ (`5.4005e9`).
 */
export function formatNumber(value: number, significantDigits = SIGNIFICANT_DIGITS): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < PLAIN_MIN || magnitude >= PLAIN_MAX)) {
    const [mantissa = '', exponent = '0'] = value.toExponential(significantDigits - 1).split('e');
    const sign = mantissa.startsWith('-') ? '-' : '';
    return scientific(sign, mantissa.replace(/[-.]/g, ''), Number(exponent));
  }
  return trimFraction(value.toFixed(PLAIN_DECIMALS));
}

/**
 * An integer amount of base units (wei) in whole units (MON, tokens), with the same notation as
 * `formatNumber`: '5400000000000000000000000000' → `5.4e9`. BigInt throughout, so amounts past 2^64
 * keep every digit until rounding.
 */
export function formatUnits(amount: string | bigint, decimals = 18): string {
  const raw = BigInt(amount);
  const sign = raw < 0n ? '-' : '';
  const magnitude = raw < 0n ? -raw : raw;
  const unit = 10n ** BigInt(decimals);
  const plainScale = 10n ** BigInt(PLAIN_DECIMALS);
  const tooSmall = magnitude * plainScale < unit; // below PLAIN_MIN = 1e-4 units
  if (magnitude !== 0n && (tooSmall || magnitude >= BigInt(PLAIN_MAX) * unit)) {
    const digits = magnitude.toString();
    let exponent = digits.length - 1 - decimals;
    let mantissa = digits.slice(0, SIGNIFICANT_DIGITS);
    if (digits.length > SIGNIFICANT_DIGITS && Number(digits[SIGNIFICANT_DIGITS]) >= 5) {
      mantissa = (BigInt(mantissa) + 1n).toString();
      if (mantissa.length > SIGNIFICANT_DIGITS) { // 9999 rounded up to 10000
        mantissa = mantissa.slice(0, SIGNIFICANT_DIGITS);
        exponent += 1;
      }
    }
    return scientific(sign, mantissa, exponent);
  }
  const scaled = (magnitude * plainScale + unit / 2n) / unit; // rounded to PLAIN_DECIMALS
  const fraction = (scaled % plainScale).toString().padStart(PLAIN_DECIMALS, '0');
  return trimFraction(`${sign}${scaled / plainScale}.${fraction}`);
}

/**
 * Micro-units survive the conversion: plenty for a chart. A 5.4e9 MON supply is 5.4e15 micro-units,
 * still exact below 2^53; past that the float rounds, which no chart can show.
 */
const CHART_PRECISION = 10n ** 6n;

/** An amount of base units as a JS number of whole units, scaled with BigInt before it becomes a float. */
export function unitsToNumber(amount: string | bigint, decimals = 18): number {
  return Number((BigInt(amount) * CHART_PRECISION) / 10n ** BigInt(decimals)) / Number(CHART_PRECISION);
}

const formatPercent = (share: number): string => `${formatNumber(share * 100)}%`;

// ---------------------------------------------------------------------------------------------
// The shared frame: layout, scales, ticks, axes, title, legend

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const seriesColor = (index: number): string => PALETTE[index % PALETTE.length] ?? '#333';

const FONT = 'font-family="system-ui, sans-serif"';
const LEGEND_WIDTH = 170;
const LEGEND_ROW = 18;

interface Layout {
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
function layoutFor(options: ChartOptions, yTicks: readonly AxisTick[], withLegend: boolean): Layout {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const labelWidth = Math.max(0, ...yTicks.map((tick) => tick.label.length)) * LABEL_CHAR_WIDTH;
  const left = Math.max(60, Math.ceil(labelWidth) + 34);
  return { width, height, left, top: 44, right: width - (withLegend ? LEGEND_WIDTH : 24), bottom: height - 52 };
}

/** Maps a data range onto a pixel range (pixels may run backwards, as y does). */
function linearScale([d0, d1]: Domain, [p0, p1]: Domain): (value: number) => number {
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
function niceDomain(values: readonly number[], includeZero: boolean): Domain {
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
interface AxisTick { value: number; label: string }
/** A tick placed: its pixel position along the axis. */
interface Tick { at: number; label: string }

/**
 * Ticks at the round values within `domain`, labelled by `format`, or else with just enough
 * significant digits to tell neighbours apart (a supply of 5.4e9 moving by 500s needs 5.4005e9).
 */
function axisTicks(domain: Domain, format?: (value: number) => string): AxisTick[] {
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

const placeTicks = (ticks: readonly AxisTick[], toPixel: (value: number) => number): Tick[] =>
  ticks.map((tick) => ({ at: toPixel(tick.value), label: tick.label }));

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

/** The document around a chart's marks: background, title, grid, axes with tick labels, axis labels, legend. */
function frame(layout: Layout, options: ChartOptions, xTicks: readonly Tick[], yTicks: readonly Tick[], legend: readonly string[], marks: string): string {
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

// ---------------------------------------------------------------------------------------------
// Charts

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

/** One bar per category, from zero; category labels thinned out when they would overlap. */
export function barChart(bars: readonly Bar[], options: ChartOptions): string {
  const yDomain = niceDomain(bars.map((bar) => bar.value), true);
  const yTicks = axisTicks(yDomain);
  const layout = layoutFor(options, yTicks, false);
  const y = linearScale(yDomain, [layout.bottom, layout.top]);
  const band = (layout.right - layout.left) / Math.max(bars.length, 1);
  const labelEvery = Math.ceil(bars.length / Math.max(1, Math.floor((layout.right - layout.left) / 28)));

  const marks = bars.map((bar, index) => {
    const top = Math.min(y(bar.value), y(0));
    const height = Math.abs(y(bar.value) - y(0));
    const xStart = layout.left + index * band + band * 0.15;
    return `<rect data-category="${escapeXml(bar.label)}" x="${xStart.toFixed(1)}" y="${top.toFixed(1)}" width="${(band * 0.7).toFixed(1)}" height="${height.toFixed(1)}" fill="${seriesColor(0)}"><title>${escapeXml(`${bar.label}: ${formatNumber(bar.value)}`)}</title></rect>`;
  });
  return frame(
    layout,
    options,
    bars
      .map((bar, index) => ({ at: layout.left + (index + 0.5) * band, label: bar.label }))
      .filter((_, index) => index % labelEvery === 0),
    placeTicks(yTicks, y),
    [],
    marks.join('\n'),
  );
}

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
