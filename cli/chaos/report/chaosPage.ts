/**
 * `--out DIR`: chaos.html, the table of every kind and a timeline per kind (versions registered
 * against seconds since the job was applied, each injection drawn as a spike), as a self-contained page.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lineChart, type Point } from '../../report/charts/lineChart.js';
import { escapeXml } from '../../report/escapeXml.js';
import type { KindRunResult } from '../kindRun.js';
import type { ChaosOutcome } from '../runChaos.js';
import { chaosRows } from './chaosTable.js';

export async function writeChaosPage(dir: string, outcome: ChaosOutcome): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'chaos.html');
  const rows = chaosRows(outcome);
  const head = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const table = [
    `<table><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`,
    ...rows.map((r) => `<tr>${Object.values(r).map((v) => `<td>${escapeXml(String(v))}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
  const charts = outcome.results.map((r) => `<section><h2>${escapeXml(r.kind)}</h2>${timeline(r)}<ul>${r.actions.map((a) => `<li>${escapeXml(a)}</li>`).join('')}</ul></section>`);
  const verdict = outcome.broken.length === 0 ? 'every invariant holds' : `BROKEN: ${outcome.broken.filter((b) => !b.startsWith(' ')).join('; ')}`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>trace-lite chaos, seed ${outcome.seed}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}</style></head>
<body><h1>trace-lite chaos (seed ${outcome.seed})</h1><p>${escapeXml(verdict)}; ${outcome.seconds} s.</p>${table}${charts.join('\n')}</body></html>\n`;
  await writeFile(file, html);
  return file;
}

function timeline(result: KindRunResult): string {
  const progress: Point[] = result.timeline.samples.map(([ms, versions]) => ({ x: ms / 1000, y: versions }));
  const top = Math.max(1, ...progress.map((p) => p.y));
  const spikes: Point[] = result.timeline.injections.flatMap((ms) => [
    { x: ms / 1000, y: 0 },
    { x: ms / 1000, y: top },
    { x: ms / 1000, y: 0 },
  ]);
  return lineChart(
    [
      { name: 'versions registered', points: progress },
      { name: 'injection', points: spikes },
    ],
    { title: `${result.kind}: progress against injections`, xLabel: 'seconds since the job was applied', yLabel: 'versions registered', width: 720, height: 240 },
  );
}
