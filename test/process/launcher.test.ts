/** The process launcher the harness and the fault-injection suite share, on real `trace-lite up` nodes. */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { ProcessGroup } from '../../cli/processes/processGroup.js';
import { TraceNode } from '../../cli/processes/traceNode.js';
import { createInstallation } from '../helpers/installation.js';
import { isAlive } from '../../drivers/postgres/embedded/processes.js';
import { childEnv } from './childNode.js';

const READY_MS = 60_000;
/** A SIGKILLed orphan is reaped within milliseconds; an unkilled `sleep 600` runs ten minutes. */
const REAPED_MS = 2_000;

async function nodeDir(t: ExecutionContext, name: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'trace-launcher-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return path.join(root, name);
}

test('a role-split node: ready with its worker id, SIGKILLed, restarted as a new process, stopped with SIGTERM; every start in one log', async (t) => {
  const inst = await createInstallation(t);
  const group = new ProcessGroup();
  t.teardown(() => group.stopAll(5_000));
  const dir = await nodeDir(t, 'worker');
  const node = group.add(new TraceNode({ name: 'worker', args: ['up', '--roles', 'worker,heartbeat'], env: childEnv(inst), dir }));
  t.deepEqual(node.roles, ['worker', 'heartbeat']);
  await node.start();
  const first = await node.ready(READY_MS);
  t.regex(first.workerId, new RegExp(`:${node.pid}:`));
  t.is(first.gateway, undefined);

  const killed = await node.kill();
  t.is(killed.signal, 'SIGKILL');
  t.false(node.running);
  await node.restart();
  const second = await node.ready(READY_MS);
  t.not(second.workerId, first.workerId);
  t.is(node.starts, 2);

  const stopped = await node.stop(10_000);
  t.is(stopped.code, 0, 'a SIGTERM is a clean stop');
  const log = await readFile(`${dir}.log`, 'utf8');
  t.is(log.match(/^=== worker start \d/gm)?.length, 2);
  t.regex(log, /=== worker exited: signal SIGKILL/);
  t.regex(log, /=== worker exited: code 0/);
});

test('a gateway node is ready once /readyz answers on the port it logged; a node that cannot start fails naming its exit and last lines', async (t) => {
  const inst = await createInstallation(t);
  const group = new ProcessGroup();
  t.teardown(() => group.stopAll(5_000));
  const gateway = group.add(new TraceNode({ name: 'query', args: ['up', '--roles', 'gateway'], env: childEnv(inst), dir: await nodeDir(t, 'query') }));
  await gateway.start();
  const { gateway: base } = await gateway.ready(READY_MS);
  t.regex(base ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is((await fetch(`${base}/readyz`)).status, 200);

  const broken = group.add(new TraceNode({ name: 'broken', args: ['up'], env: childEnv(inst, { TRACE_LEASE_TTL_SECONDS: 'soon' }), dir: await nodeDir(t, 'broken') }));
  await broken.start();
  const error = await t.throwsAsync(broken.ready(READY_MS));
  t.regex(error?.message ?? '', /^broken \(pid \d+\): exited \(code 2\) before `trace-lite is up`/);
  t.regex(error?.message ?? '', /leaseTtlSeconds/);
  t.deepEqual([...(await group.stopAll(5_000)).keys()], ['query']);
});

test('a launcher ended by a second signal takes its managed processes, each in a process group of its own, with it', async (t) => {
  const dir = await nodeDir(t, 'sleeper');
  const launcher = spawn(process.execPath, [fileURLToPath(new URL('./interruptedLauncher.js', import.meta.url)), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  launcher.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  t.teardown(() => void (launcher.exitCode === null && launcher.kill('SIGKILL')));
  const [line] = (await once(createInterface({ input: launcher.stdout! }), 'line')) as [string];
  const sleeper = Number(line);
  t.true(isAlive(sleeper), 'the managed process runs');
  // Two signals sent at once may arrive as one: the second goes once the first was handled.
  launcher.kill('SIGINT');
  while (!stderr.includes('stopping everything')) await delay(20);
  launcher.kill('SIGINT');
  t.is(await exited, 130);
  // SIGKILLed before the launcher exited; reaped by init a moment later (a zombie still answers kill 0).
  for (let waited = 0; isAlive(sleeper) && waited < REAPED_MS; waited += 20) await delay(20);
  t.false(isAlive(sleeper), 'the managed process outlived its launcher');
  if (isAlive(sleeper)) process.kill(sleeper, 'SIGKILL');
});
