import { escapeXml } from '../escapeXml.js';
import { formatNumber } from '../numberFormat.js';
import { frame, layoutFor, seriesColor, type ChartOptions } from './frame.js';
import { axisTicks, linearScale, niceDomain, placeTicks } from './scales.js';

export interface Bar { label: string; value: number }

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
