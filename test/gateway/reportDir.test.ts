/** The report directory as the gateway serves it: read-only static files, nothing outside it. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startGateway, type ErrorBody } from '../helpers/gateway.js';

/** A raw GET whose path fetch() would normalise (`..`) before sending. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the report directory is served read-only: index at /, no traversal, no dotfiles, no links out', async (t) => {
  const outside = await tempDir(t, 'trace-gateway-outside-');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  const reportDir = await tempDir(t, 'trace-gateway-report-');
  await writeFile(join(reportDir, 'index.html'), '<!doctype html><title>Trace Lite report</title>');
  await mkdir(join(reportDir, 'charts'));
  await writeFile(join(reportDir, 'charts', 'supply.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(reportDir, '.env'), 'TOKEN=1');
  await symlink(join(outside, 'secret.txt'), join(reportDir, 'escape.txt'));
  const { base, port } = await startGateway(t, { reportDir });

  const index = await fetch(`${base}/`);
  t.is(index.status, 200);
  t.regex(index.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(await index.text(), /Trace Lite report/);
  const svg = await fetch(`${base}/charts/supply.svg`);
  t.is(svg.status, 200);
  t.is(svg.headers.get('content-type'), 'image/svg+xml');

  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/charts/../../package.json', '/.env', '/escape.txt', '/charts/', '/missing.html']) {
    const res = await rawGet(port, path);
    t.is(res.status, 404, path);
    t.false(res.body.includes('secret') || res.body.includes('"name": "trace-lite"') || res.body.includes('TOKEN'), path);
  }
  t.is((await fetch(`${base}/index.html`, { method: 'POST' })).status, 404, 'read-only');
});

test('without a report, / is 404 with a hint to run the demo', async (t) => {
  const reportDir = join(await tempDir(t, 'trace-gateway-none-'), 'not-written');
  const { base } = await startGateway(t, { reportDir });
  const res = await fetch(`${base}/`);
  t.is(res.status, 404);
  t.regex(((await res.json()) as ErrorBody).error.message, /run `trace-lite demo` to write the report/);
});
