/**
 * The README's queue chart: consume throughput by batch size per subject, as a hand-written SVG
 * (log scales on both axes: batch sizes 1–1000, rates from hundreds to hundreds of thousands).
 */

export interface ChartSeries {
  label: string;
  /** Messages per second at each of the chart's batch sizes (NaN where not measured). */
  values: readonly number[];
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 80, right: 200, top: 40, bottom: 56 };
/** Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito). */
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000'];

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** An SVG document plotting `series` against `batches` (both axes logarithmic). */
export function throughputChart(title: string, batches: readonly number[], series: readonly ChartSeries[]): string {
  const finite = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(...finite)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...finite)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number): number => Math.round(MARGIN.left + (batches.length === 1 ? plotW / 2 : (i * plotW) / (batches.length - 1)));
  const y = (v: number): number => MARGIN.top + plotH - ((Math.log10(v) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="${MARGIN.top - 16}" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(decade)}" y2="${y(decade)}" stroke="#dddddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(decade) + 4}" text-anchor="end">${fmt(decade)}</text>`,
    );
  }
  batches.forEach((b, i) => {
    parts.push(
      `<line x1="${x(i)}" x2="${x(i)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#eeeeee"/>`,
      `<text x="${x(i)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${b}</text>`,
    );
  });
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">messages per receive (batch size)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">consumed messages / s (log)</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`,
  );
  series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length]!;
    const points = s.values.map((v, i) => [x(i), v] as const).filter(([, v]) => Number.isFinite(v) && v > 0);
    if (points.length > 1) {
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map(([px, v]) => `${px.toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const [px, v] of points) {
      parts.push(`<circle cx="${px.toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${colour}"><title>${escapeXml(s.label)}: ${fmt(v)} msg/s</title></circle>`);
    }
    const ly = MARGIN.top + 10 + k * 20;
    parts.push(
      `<line x1="${WIDTH - MARGIN.right + 16}" x2="${WIDTH - MARGIN.right + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${WIDTH - MARGIN.right + 46}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
