import test from 'ava';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';
import type { ReportData } from '../../cli/report/reportData.js';
import { lineChart } from '../../cli/report/charts/lineChart.js';
import { lorenzCurve, lorenzPoints } from '../../cli/report/charts/lorenzCurve.js';
import { formatUnits } from '../../cli/report/numberFormat.js';
import { writeReport } from '../../cli/report/writeReport.js';

const WEI_PER_MON = 10n ** 18n;
const FROM_BLOCK = 1_000;
const TO_BLOCK = 1_049;
const TOKEN = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const HOLDERS = [
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
  '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65',
];

/** What the demo would gather over blocks 1000–1049 of a devnet: realistic magnitudes, amounts past 2^64. */
function reportFixture(): ReportData {
  const blocks = Array.from({ length: TO_BLOCK - FROM_BLOCK + 1 }, (_, index) => FROM_BLOCK + index);
  // Balances every 5 blocks; the richest holder first, each drifting by its own step.
  const history = (scale: bigint) =>
    blocks
      .filter((block) => block % 5 === 0)
      .flatMap((block) =>
        HOLDERS.map((address, index) => ({
          block_number: block,
          address,
          balance: ((BigInt(HOLDERS.length - index) * 1_000_000n + BigInt((block - FROM_BLOCK) * (index + 1)) * 1_000n) * scale + 123_456_789n).toString(),
        })),
      );
  const leaderboard = (rows: { block_number: number; address: string; balance: string }[]) =>
    rows
      .filter((row) => row.block_number === 1_045)
      .sort((a, b) => (BigInt(b.balance) > BigInt(a.balance) ? 1 : -1))
      .map((row, index) => ({ rank: index + 1, address: row.address, balance: row.balance }));
  const nativeHistory = history(WEI_PER_MON);
  const tokenHistory = history(WEI_PER_MON / 100n);
  return {
    generatedAt: '2025-06-01T12:00:00.000Z',
    chainId: 10143,
    window: { fromBlock: FROM_BLOCK, toBlock: TO_BLOCK },
    sync: { blocks: 50, transactions: 1_234, logs: 5_678, seconds: 12.5 },
    tables: [
      {
        title: 'Tip query: latest blocks',
        sql: 'SELECT block_number, gas_used FROM blocks ORDER BY block_number DESC LIMIT 3',
        columns: ['block_number', 'gas_used'],
        rows: [[1_049, 210_000], [1_048, 0], [1_047, 63_000]],
      },
      {
        title: 'History query: transfers with value <&> 0',
        sql: "SELECT count(*) AS n, bool_or(value > 0 AND value < 10) AS small FROM transactions WHERE note <> '&'",
        columns: ['n', 'small', 'note'],
        rows: [[17, true, null]],
      },
    ],
    nativeSupply: blocks.map((block, index) => ({
      block_number: block,
      total_supply_wei: (5_400_000_000n * WEI_PER_MON + BigInt(index) * 25n * WEI_PER_MON + 987_654_321n).toString(),
    })),
    erc20Supply: {
      token: TOKEN,
      points: blocks.filter((block) => block % 10 === 0).map((block, index) => ({ block_number: block, total_supply: ((1_000_000n + BigInt(index) * 5_000n) * WEI_PER_MON).toString() })),
    },
    holders: [
      { token: 'native', leaderboard: leaderboard(nativeHistory), history: nativeHistory },
      { token: TOKEN, leaderboard: leaderboard(tokenHistory), history: tokenHistory },
    ],
    stake: {
      block: TO_BLOCK,
      k: 5,
      byValidator: Array.from({ length: 20 }, (_, index) => ({
        validator_id: index + 1,
        stake_wei: (BigInt(1_000_000 + (index + 1) ** 2 * 150_000) * WEI_PER_MON).toString(),
      })),
      // Each validator's stake grows linearly to its final value over the window, sampled every 50 blocks.
      history: blocks
        .filter((block) => block % 50 === 0 || block === TO_BLOCK)
        .flatMap((block) =>
          Array.from({ length: 20 }, (_, index) => ({
            block_number: block,
            validator_id: index + 1,
            stake_wei: ((BigInt(1_000_000 + (index + 1) ** 2 * 150_000) * WEI_PER_MON * BigInt(block - FROM_BLOCK + 1)) / BigInt(TO_BLOCK - FROM_BLOCK + 1)).toString(),
          })),
        ),
      // Computed from the stakes above: Σ|a−b| / (2n²·mean), the top 5's share, the fewest
      // validators past ⅓ of the stake, Σ share².
      concentration: { gini: 0.4649833518312986, top_k_share: 0.5538290788013318, nakamoto_33: 3, hhi: 0.08445904846138402, validators: 20 },
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A loopback static file server for `root` (what a browser sees when the report is published). */
async function serveDirectory(root: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const path = resolve(root, `.${decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)}`);
    const contentType = CONTENT_TYPES[extname(path)];
    if (!path.startsWith(root + sep) || contentType === undefined) {
      response.writeHead(404).end();
      return;
    }
    readFile(path).then(
      (body) => response.writeHead(200, { 'content-type': contentType }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

/** What the page reports about one chart image (DOM types are not in this project's lib). */
interface ImageState {
  getAttribute(name: string): string | null;
  complete: boolean;
  naturalWidth: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('the report renders in headless Chromium: header, every chart loaded, concentration figures, leaderboards', async (t) => {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    t.fail(`no Chromium at ${executablePath}: install Debian's chromium (.ci/run does) or point CHROMIUM_PATH at one`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'trace-lite-report-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const data = reportFixture();
  const { indexPath, charts } = await writeReport(dir, data);
  t.is(indexPath, join(dir, 'index.html'));
  t.deepEqual(charts.map((chart) => basename(chart)).sort(), [
    'erc20-supply.svg',
    `holders-${TOKEN}.svg`,
    'holders-native.svg',
    'lorenz.svg',
    'native-supply.svg',
    'stake-by-validator.svg',
    'stake-over-time.svg',
  ]);

  const server = await serveDirectory(dir);
  t.teardown(server.close);
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const requested: string[] = [];
  const failed: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('requestfailed', (request) => failed.push(request.url()));
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${server.origin}/index.html`, { waitUntil: 'load' });

  t.is(await page.title(), 'Trace Lite report · chain 10143');
  t.is(await page.locator('h1').textContent(), 'Trace Lite report · chain 10143');
  t.is(await page.locator('[data-fact="window"]').textContent(), 'blocks 1000–1049 (50 blocks, inclusive)');
  t.is(await page.locator('[data-fact="sync"]').textContent(), '50 blocks, 1,234 transactions, 5,678 logs in 12.5 s');
  t.is(await page.locator('[data-fact="generated-at"]').textContent(), data.generatedAt);

  // Every chart is an <img> that loaded and decoded: a malformed SVG or a wrong path leaves naturalWidth at 0.
  const images = await page.locator('figure img').evaluateAll((elements: ImageState[]) =>
    elements.map((image) => ({ src: image.getAttribute('src'), complete: image.complete, naturalWidth: image.naturalWidth })),
  );
  t.is(images.length, charts.length);
  t.deepEqual(images.map((image) => image.src).sort(), charts.map((chart) => `charts/${basename(chart)}`).sort());
  for (const image of images) t.true(image.complete && image.naturalWidth > 0, `${image.src} did not load: ${JSON.stringify(image)}`);
  t.is(await page.locator('figure figcaption').count(), charts.length);
  t.deepEqual(failed, []);
  t.true(requested.every((url) => url.startsWith(server.origin)), `only the report's own files load: ${requested.join(', ')}`);

  t.is(await page.locator('[data-fact="gini"]').textContent(), '0.465');
  t.is(await page.locator('[data-fact="top-k-share"]').textContent(), '55.4%');
  t.is(await page.locator('[data-fact="nakamoto"]').textContent(), '3');
  t.is(await page.locator('[data-fact="hhi"]').textContent(), '0.0845');
  t.is(await page.locator('[data-fact="validators"]').textContent(), '20');

  // The native leaderboard at block 1045: rank, full address, balance in MON (formatted from wei strings).
  const leaderboardRows = page.locator('table[data-token="native"] tbody tr');
  t.is(await leaderboardRows.count(), HOLDERS.length);
  const cells = await Promise.all(HOLDERS.map((_, index) => leaderboardRows.nth(index).locator('td').allTextContents()));
  t.deepEqual(cells[0], ['1', HOLDERS[0], '5.045e6']);
  t.deepEqual(cells[4], ['5', HOLDERS[4], '1.225e6']);
  t.deepEqual(cells, data.holders[0]!.leaderboard.map((holder) => [String(holder.rank), holder.address, formatUnits(holder.balance)]));
  t.is(await page.locator(`table[data-token="${TOKEN}"] tbody tr`).count(), HOLDERS.length);

  // data.tables: escaped titles and SQL come back as the original text.
  t.true((await page.locator('#tables h3').allTextContents()).includes('History query: transfers with value <&> 0'));
  t.true((await page.locator('#tables pre').allTextContents()).includes(data.tables[1]!.sql!));

  const screenshot = join(dir, 'report.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  const png = await readFile(screenshot);
  t.true(png.subarray(0, 8).equals(PNG_SIGNATURE), 'the screenshot is a PNG');
  t.true(png.length > 20_000, `a full page of charts and tables is more than 20 kB of PNG, got ${png.length} bytes`);
  // The temp dir goes at teardown; REPORT_SCREENSHOT keeps a copy for a human to look at.
  const kept = process.env.REPORT_SCREENSHOT;
  if (kept) await copyFile(screenshot, kept);
  t.log(`screenshot: ${kept ?? screenshot} (${png.length} bytes)${kept ? '' : '; set REPORT_SCREENSHOT=<file.png> to keep it'}`);
});

test('the Lorenz curve of equal stakes is the equality diagonal', (t) => {
  const stakes = Array.from({ length: 8 }, () => '3000000000000000000000000');
  const points = lorenzPoints(stakes);
  t.is(points.length, stakes.length + 1);
  t.deepEqual(points, Array.from({ length: 9 }, (_, index) => ({ x: index / 8, y: index / 8 })));
  // Drawn: every vertex of the stake curve lies on the drawn diagonal.
  const svg = lorenzCurve(stakes, { gini: 0 });
  const polyline = (series: string): [number, number][] => {
    const match = new RegExp(`data-series="${series}" points="([^"]+)"`).exec(svg);
    return (match?.[1] ?? '').split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
  };
  const [[x0, y0], [x1, y1]] = polyline('perfect equality') as [[number, number], [number, number]];
  const curve = polyline('stake');
  t.is(curve.length, 9);
  const diagonalLength = Math.hypot(x1 - x0, y1 - y0);
  for (const [x, y] of curve) {
    const distance = Math.abs((y - y0) * (x1 - x0) - (x - x0) * (y1 - y0)) / diagonalLength;
    t.true(distance < 0.1, `(${x}, ${y}) is ${distance} px off the diagonal`); // coordinates are written to 0.1 px
  }
  t.true(svg.includes('Lorenz curve of stake (Gini 0)'));
});

test('wei amounts format with BigInt: 5.4e27 wei reads 5.4e9 MON, small and past-2^64 amounts keep their digits', (t) => {
  t.is(formatUnits('5400000000000000000000000000'), '5.4e9');
  t.is(formatUnits('5401234567890123456789012345'), '5.401e9');
  t.is(formatUnits('9999999000000000000000000'), '1e7'); // rounding carries into the exponent
  t.is(formatUnits('123456789012345678901234'), '123456.789'); // past 2^64, below 1e6 MON: plain
  t.is(formatUnits('1500000000000000000'), '1.5');
  t.is(formatUnits('0'), '0');
  t.is(formatUnits('1'), '1e-18');
  t.is(formatUnits('-2500000000000000000'), '-2.5');
});

test('chart text is escaped for XML', (t) => {
  const svg = lineChart([{ name: 'a<b', points: [{ x: 1, y: 2 }] }, { name: 'c&d', points: [{ x: 2, y: 3 }] }], { title: 'Supply <MON> & "friends"', xLabel: "x's" });
  t.true(svg.includes('Supply &lt;MON&gt; &amp; &quot;friends&quot;'));
  t.true(svg.includes('a&lt;b') && svg.includes('c&amp;d') && svg.includes('x&#39;s'));
  t.false(svg.includes('<MON>'));
  t.false(/&(?!(lt|gt|amp|quot|#39);)/.test(svg), 'no bare ampersand');
  t.regex(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="720" height="360" viewBox="0 0 720 360"/);
});
