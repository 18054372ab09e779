/**
 * What a Trace Lite node costs on a laptop: `trace-lite up` (all roles) on a fresh database of the
 * machine's PostgreSQL (embedded when there is none), with no jobs and no tasks.
 *
 *   node dist/scripts/withDatabase.js node dist/bench/footprint/main.js [--json] [--idle-seconds N] [--warmup-seconds N]
 *
 * healthy_s: spawn to the first 200 of /readyz. Idle: after the warm-up (idle intervals back off
 * to their maxima within ~25 s), CPU and RSS of the process from /proc, and the transactions of the
 * node's own database from pg_stat_database (xact_commit + xact_rollback; the bench's own probes,
 * two per window, are subtracted; stats are flushed by pg_stat_force_next_flush where available,
 * else counted at the next report). CLI: medians of 3 runs of `--help`, `status` and `task submit`.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveIntOption } from '../options.js';
import { freshDatabase } from './freshDatabase.js';
import { sampleProcess } from './processSample.js';
import { timeCli, timeCommands } from './cliTimings.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
/** A port no other node on this machine listens on by default (8787). */
const HTTP_PORT = 18787;
/** How often /readyz is asked while the node starts. */
const READY_POLL_MS = 25;

const { values } = parseArgs({ options: { json: { type: 'boolean' }, 'idle-seconds': { type: 'string' }, 'warmup-seconds': { type: 'string' } } });
const idleSeconds = positiveIntOption(values['idle-seconds'], 60, 'idle-seconds');
const warmupSeconds = positiveIntOption(values['warmup-seconds'], 30, 'warmup-seconds');
const log = (line: string) => process.stderr.write(`${line}\n`);

const database = await freshDatabase(process.env.DATABASE_URL ?? '');
const env = { ...process.env, DATABASE_URL: database.url, TRACE_HTTP_PORT: String(HTTP_PORT), TRACE_LOG_LEVEL: 'warn' };
try {
  // Warm: the schema exists before `up` is timed, as on a laptop that ran Trace Lite before.
  await timeCli(CLI, env, ['migrate']);
  const started = performance.now();
  const node = spawn(process.execPath, [CLI, 'up'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${HTTP_PORT}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (node.exitCode !== null) throw new Error(`trace-lite up exited with ${node.exitCode} before it was ready`);
      await sleep(READY_POLL_MS);
    }
    const healthyS = (performance.now() - started) / 1000;
    log(`ready after ${healthyS.toFixed(2)} s; warming up ${warmupSeconds} s, then measuring ${idleSeconds} s idle`);
    await sleep(warmupSeconds * 1000);
    const before = { process: await sampleProcess(node.pid!), tx: await database.transactions(), at: performance.now() };
    await sleep(idleSeconds * 1000);
    const after = { process: await sampleProcess(node.pid!), tx: await database.transactions(), at: performance.now() };
    const seconds = (after.at - before.at) / 1000;
    const cli = await timeCommands(CLI, env);
    const result = {
      idle_rss_mb: Math.round(after.process.rssMb),
      idle_cpu_pct: Math.round(((after.process.cpuSeconds - before.process.cpuSeconds) / seconds) * 10000) / 100,
      idle_pg_tx_per_s: Math.round(((after.tx - before.tx - database.probeTransactions) / seconds) * 100) / 100,
      healthy_s: Math.round(healthyS * 100) / 100,
      ...cli,
      config: { idle_seconds: idleSeconds, warmup_seconds: warmupSeconds, roles: 'all (trace-lite up)', node: process.version, postgres: await database.version() },
    };
    if (!values.json) log(JSON.stringify(result, null, 2));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    node.kill('SIGTERM');
    await new Promise((resolve) => node.once('exit', resolve));
  }
} finally {
  await database.drop();
}
