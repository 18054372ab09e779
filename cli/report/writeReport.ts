/**
 * Writes the static analytics report: `index.html` (inline CSS, no scripts, no external resources,
 * so it opens from disk or any static server) and one SVG per chart under `charts/`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportData, ReportTable } from './reportData.js';
import { barChart } from './charts/barChart.js';
import { lineChart, type LineChartOptions, type Series } from './charts/lineChart.js';
import { lorenzCurve } from './charts/lorenzCurve.js';
import { escapeXml } from './escapeXml.js';
import { formatNumber, formatUnits, unitsToNumber } from './numberFormat.js';

/** Lines in a holders chart: more than this many overlapping balances stop being readable. */
const HOLDER_LINES = 5;

interface Chart {
  file: string;
  alt: string;
  caption: string;
  svg: string;
}

type Holders = ReportData['holders'][number];
type BlockAxis = Pick<LineChartOptions, 'xLabel' | 'xDomain'>;

/** The charts by the section that shows them. */
interface ReportCharts {
  supply: Chart[];
  holders: { holders: Holders; chart: Chart }[];
  stake: Chart[];
}

export async function writeReport(dir: string, data: ReportData): Promise<{ indexPath: string; charts: string[] }> {
  const chartsDir = join(dir, 'charts');
  // Start the charts afresh: a chart of an earlier report (an ERC-20 or a token since gone) must not linger.
  await rm(chartsDir, { recursive: true, force: true });
  await mkdir(chartsDir, { recursive: true });
  const charts = buildCharts(data);
  const files = [...charts.supply, ...charts.holders.map((entry) => entry.chart), ...charts.stake];
  await Promise.all(files.map((chart) => writeFile(join(chartsDir, chart.file), chart.svg)));
  const indexPath = join(dir, 'index.html');
  await writeFile(indexPath, renderIndex(data, charts));
  return { indexPath, charts: files.map((chart) => join(chartsDir, chart.file)) };
}

// ---------------------------------------------------------------------------------------------
// Charts

function buildCharts(data: ReportData): ReportCharts {
  // Every chart over blocks spans the whole window, so they line up and a stepped line runs to its end.
  const blockAxis: BlockAxis = { xLabel: 'block', xDomain: [data.window.fromBlock, data.window.toBlock] };
  const supply: Chart[] = [
    {
      file: 'native-supply.svg',
      alt: 'Native MON supply by block',
      caption: `Total native supply (MON) per block, blocks ${data.window.fromBlock}–${data.window.toBlock}.`,
      svg: lineChart(
        [{ name: 'MON supply', points: data.nativeSupply.map((row) => ({ x: row.block_number, y: unitsToNumber(row.total_supply_wei) })) }],
        { ...blockAxis, title: 'Native supply', yLabel: 'MON' },
      ),
    },
  ];
  if (data.erc20Supply) {
    const { token, points } = data.erc20Supply;
    supply.push({
      file: 'erc20-supply.svg',
      alt: `ERC-20 supply of ${token} by block`,
      caption: `Total supply of the ERC-20 token ${token} per block (18 decimals).`,
      svg: lineChart(
        [{ name: token, points: points.map((row) => ({ x: row.block_number, y: unitsToNumber(row.total_supply) })) }],
        { ...blockAxis, title: `ERC-20 supply of ${shortAddress(token)}`, yLabel: 'tokens', stepped: true },
      ),
    });
  }

  const byValidator = [...data.stake.byValidator].sort((a, b) => a.validator_id - b.validator_id);
  const stake: Chart[] = [
    {
      file: 'stake-by-validator.svg',
      alt: `Stake by validator at block ${data.stake.block}`,
      caption: `Delegated stake (MON) of each of the ${byValidator.length} validators at block ${data.stake.block}.`,
      svg: barChart(
        byValidator.map((row) => ({ label: String(row.validator_id), value: unitsToNumber(row.stake_wei) })),
        { title: `Stake by validator at block ${data.stake.block}`, xLabel: 'validator id', yLabel: 'MON' },
      ),
    },
    stakeHistoryChart(data.stake, byValidator, blockAxis),
    {
      file: 'lorenz.svg',
      alt: 'Lorenz curve of stake across validators',
      caption: `Lorenz curve of stake at block ${data.stake.block}: the further below the diagonal, the more concentrated the stake.`,
      svg: lorenzCurve(byValidator.map((row) => row.stake_wei), { gini: data.stake.concentration.gini }),
    },
  ];
  return { supply, holders: data.holders.map((holders) => ({ holders, chart: holdersChart(holders, blockAxis) })), stake };
}

/** Stake over the window of the validators largest at the end (as many lines as holder charts). */
function stakeHistoryChart(stake: ReportData['stake'], byValidator: ReportData['stake']['byValidator'], blockAxis: BlockAxis): Chart {
  const top = [...byValidator].sort((a, b) => unitsToNumber(b.stake_wei) - unitsToNumber(a.stake_wei)).slice(0, HOLDER_LINES);
  const series: Series[] = top.map((validator) => ({
    name: `validator ${validator.validator_id}`,
    points: stake.history
      .filter((row) => row.validator_id === validator.validator_id)
      .sort((a, b) => a.block_number - b.block_number)
      .map((row) => ({ x: row.block_number, y: unitsToNumber(row.stake_wei) })),
  }));
  return {
    file: 'stake-over-time.svg',
    alt: `Stake over time of the ${top.length} largest validators`,
    caption: `Stake (MON) of the ${top.length} validators largest at block ${stake.block}, over the window.`,
    svg: lineChart(series, { ...blockAxis, title: 'Stake by validator over time', yLabel: 'MON', stepped: true }),
  };
}

/** Balance history of the token's top holders (leaderboard order), one stepped line each. */
function holdersChart(holders: Holders, blockAxis: BlockAxis): Chart {
  const label = tokenLabel(holders.token);
  const top = [...holders.leaderboard].sort((a, b) => a.rank - b.rank).slice(0, HOLDER_LINES);
  const series: Series[] = top.map((holder) => ({
    name: shortAddress(holder.address),
    points: holders.history
      .filter((row) => row.address.toLowerCase() === holder.address.toLowerCase())
      .sort((a, b) => a.block_number - b.block_number)
      .map((row) => ({ x: row.block_number, y: unitsToNumber(row.balance) })),
  }));
  return {
    file: `holders-${fileSlug(holders.token)}.svg`,
    alt: `Balance history of the top ${top.length} holders of ${label}`,
    caption: `Balances of the top ${top.length} holders of ${label} over the window.`,
    svg: lineChart(series, { ...blockAxis, title: `Top holders of ${label}`, yLabel: holders.token === 'native' ? 'MON' : 'tokens', stepped: true }),
  };
}

const tokenLabel = (token: string): string => (token === 'native' ? 'MON (native)' : `token ${token}`);

/** `0x5fbdb2315678afecb367f032d93f642f64180aa3` → `0x5fbd…0aa3`, short enough for a legend. */
const shortAddress = (address: string): string => (address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address);

/** A token as part of a file name: lower case letters and digits only. */
const fileSlug = (token: string): string => token.toLowerCase().replace(/[^a-z0-9]+/g, '-');

// ---------------------------------------------------------------------------------------------
// HTML

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1040px; margin: 0 auto; padding: 1.5rem; }
header { border-bottom: 1px solid #ddd; margin-bottom: 1rem; }
h1 { margin: 0 0 .5rem; font-size: 1.6rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #eee; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
th { background: #f6f6f6; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.null { color: #999; }
td.address { font-family: ui-monospace, monospace; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; font-size: .85rem; }
`;

const integer = new Intl.NumberFormat('en-US');

function renderIndex(data: ReportData, charts: ReportCharts): string {
  const title = `Trace Lite report · chain ${data.chainId}`;
  const { fromBlock, toBlock } = data.window;
  const { sync } = data;
  const { concentration } = data.stake;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeXml(title)}</h1>`,
    facts([
      ['chain id', 'chain-id', String(data.chainId)],
      ['window', 'window', `blocks ${fromBlock}–${toBlock} (${integer.format(toBlock - fromBlock + 1)} blocks, inclusive)`],
      ['synced', 'sync', `${integer.format(sync.blocks)} blocks, ${integer.format(sync.transactions)} transactions, ${integer.format(sync.logs)} logs in ${formatNumber(sync.seconds)} s`],
      ['generated', 'generated-at', data.generatedAt],
    ]),
    '</header>',
    '<main>',
    '<section id="supply">',
    '<h2>Supply</h2>',
    ...charts.supply.map(figure),
    '</section>',
    '<section id="holders">',
    '<h2>Holders</h2>',
    ...charts.holders.map((entry) => renderHolders(entry.holders, entry.chart)),
    '</section>',
    '<section id="stake">',
    `<h2>Stake at block ${data.stake.block}</h2>`,
    facts([
      ['Gini coefficient', 'gini', formatNumber(concentration.gini)],
      [`top-${data.stake.k} share`, 'top-k-share', `${(concentration.top_k_share * 100).toFixed(1)}%`],
      ['Nakamoto coefficient (⅓ of stake)', 'nakamoto', String(concentration.nakamoto_33)],
      ['HHI', 'hhi', formatNumber(concentration.hhi)],
      ['validators', 'validators', String(concentration.validators)],
    ]),
    ...charts.stake.map(figure),
    '</section>',
    '<section id="tables">',
    '<h2>Queries</h2>',
    ...data.tables.map(renderTable),
    '</section>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Label/value pairs; `data-fact` names each value so a reader (or a test) can find it. */
function facts(entries: readonly (readonly [label: string, key: string, value: string])[]): string {
  const rows = entries.map(([label, key, value]) => `<dt>${escapeXml(label)}</dt><dd data-fact="${key}">${escapeXml(value)}</dd>`);
  return `<dl class="facts">\n${rows.join('\n')}\n</dl>`;
}

function figure(chart: Chart): string {
  return `<figure><img src="charts/${escapeXml(chart.file)}" alt="${escapeXml(chart.alt)}"><figcaption>${escapeXml(chart.caption)}</figcaption></figure>`;
}

function renderHolders(holders: Holders, chart: Chart): string {
  const label = tokenLabel(holders.token);
  const rows = [...holders.leaderboard]
    .sort((a, b) => a.rank - b.rank)
    .map((holder) => `<tr><td class="number">${holder.rank}</td><td class="address">${escapeXml(holder.address)}</td><td class="number">${escapeXml(formatUnits(holder.balance))}</td></tr>`);
  return [
    `<h3>${escapeXml(label)}</h3>`,
    figure(chart),
    `<table class="leaderboard" data-token="${escapeXml(holders.token)}">`,
    `<caption>Leaderboard of ${escapeXml(label)}</caption>`,
    `<thead><tr><th>rank</th><th>address</th><th>balance (${holders.token === 'native' ? 'MON' : 'tokens'})</th></tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function renderTable(table: ReportTable): string {
  const header = table.columns.map((column) => `<th>${escapeXml(column)}</th>`).join('');
  const rows = table.rows.map((row) => `<tr>${row.map(renderCell).join('')}</tr>`);
  return [
    `<h3>${escapeXml(table.title)}</h3>`,
    table.sql === undefined ? '' : `<pre>${escapeXml(table.sql)}</pre>`,
    '<table>',
    `<thead><tr>${header}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function renderCell(cell: string | number | boolean | null): string {
  if (cell === null) return '<td class="null">NULL</td>';
  if (typeof cell === 'number') return `<td class="number">${escapeXml(String(cell))}</td>`;
  return `<td>${escapeXml(String(cell))}</td>`;
}
