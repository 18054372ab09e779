#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig } from '../runtime/config.js';
import { DEVNET_DEFAULTS, runDevnetCommand } from '../drivers/devnet/devnet.js';
import { parseRoles, ROLES } from '../actors/node/node.js';
import { RunSpecError } from '../actors/state/tasks/runSpec.js';
import { SyncJobSpecError } from '../actors/state/syncJobSpec.js';
import { UnknownJobError } from '../actors/state/syncJobs.js';
import { outboxStore } from '../actors/state/outbox/outboxStore.js';
import { TASK_QUEUE, taskIsFinished } from '../actors/state/tasks/taskTypes.js';
import { withSession } from './session.js';
import { formatStatus, statusReport } from './status.js';
import {
  checkOperators,
  formatRun,
  parseParams,
  readRunFile,
  UsageError,
  waitForRun,
  waitForTask,
} from './tasks.js';
import { up } from './up.js';
import { DEMO_DEFAULTS, runDemo } from './demo/runDemo.js';
import { describeVersion, formatJobStatus, readSyncJobFile } from './sync.js';
import { watchJob } from './progress.js';
import { DOWNLOAD_FORMATS, formatTemplates, queryCommand, type QueryCommandOptions } from './query.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));
let exitCode = 0;

const program = new Command('trace-lite')
  .description('Trace Lite: leased, fenced tasks over Postgres state, an outbox and a Postgres queue')
  .showHelpAfterError();

program
  .command('up')
  .description('run the actors of this process until SIGTERM/SIGINT')
  .option('--roles <roles>', `comma-separated subset of ${ROLES.join(',')}`, ROLES.join(','))
  .action(async (opts: { roles: string }) => {
    exitCode = await up(parseRoles(opts.roles));
  });

program
  .command('devnet')
  .description('start a seeded Monad-like devnet (anvil on loopback, chain id 10143); runs until SIGINT/SIGTERM')
  .option('--port <port>', 'loopback port (default: a free one)', positiveInt)
  .option('--seed <n>', 'workload seed', (v) => Number(v), DEVNET_DEFAULTS.seed)
  .option('--blocks <n>', 'blocks to seed', positiveInt, DEVNET_DEFAULTS.blocks)
  .option('--accounts <n>', 'funded accounts (>= 30)', positiveInt, DEVNET_DEFAULTS.accounts)
  .option('--out <file>', 'write the JSON description here once seeded')
  .option('--json', 'print the JSON description on stdout')
  .action(async (opts: { port?: number; seed: number; blocks: number; accounts: number; out?: string; json?: boolean }) => {
    exitCode = await runDevnetCommand({ dataDir: loadConfig().dataDir, ...opts });
  });

program
  .command('demo')
  .description('the golden path: seeded devnet → sync into hot rows + cold Parquet → tip and history queries → analytics → report')
  .option('--blocks <n>', 'devnet blocks to seed and sync; with --rpc, the last N blocks', positiveInt, DEMO_DEFAULTS.blocks)
  .option('--rpc <url>', "a real chain's JSON-RPC URL instead of the devnet")
  .option('--full-history', 'with --rpc: sync from genesis (slow)')
  .option('--token <address>', 'with --rpc: the ERC-20 to analyse')
  .option('--follow-blocks <n>', 'devnet blocks produced while the sync follows the tip', (v) => Number(v), DEMO_DEFAULTS.followBlocks)
  .option('--traces', 'also sync geth_calls (debug_traceBlockByNumber; slow on anvil)')
  .option('--top <n>', 'top N holders', positiveInt, DEMO_DEFAULTS.topN)
  .option('--k <n>', 'top-K share of stake', positiveInt, DEMO_DEFAULTS.topK)
  .option('--out <dir>', 'report directory', DEMO_DEFAULTS.out)
  .option('--schema-prefix <prefix>', "the demo's own schemas, dropped and recreated at its start", DEMO_DEFAULTS.schemaPrefix)
  .action(async (opts: { blocks: number; rpc?: string; fullHistory?: boolean; token?: string; followBlocks: number; traces?: boolean; top: number; k: number; out: string; schemaPrefix: string }) => {
    await runDemo({
      blocks: opts.blocks,
      ...(opts.rpc === undefined ? {} : { rpc: opts.rpc }),
      ...(opts.token === undefined ? {} : { token: opts.token }),
      fullHistory: opts.fullHistory === true,
      followBlocks: opts.followBlocks,
      traces: opts.traces === true,
      topN: opts.top,
      topK: opts.k,
      out: opts.out,
      schemaPrefix: opts.schemaPrefix,
    });
  });

program
  .command('migrate')
  .description('apply pending migrations and exit')
  .action(() => withSession(async ({ rt }) => print(`migrated ${rt.schemas.state}, ${rt.schemas.data}`)));

program
  .command('status')
  .description('tasks by status, queue depth and age, dead letters, outbox backlog')
  .option('--job <id|name>', 'a chain_sync job instead: per stream cursor, ranges, rows, blocks/s')
  .option('--watch', 'with --job: follow the job until it completes (progress bars on a terminal)')
  .option('--json', 'print one JSON object')
  .action((opts: { json?: boolean; job?: string; watch?: boolean }) =>
    withSession(async ({ rt }) => {
      if (opts.job !== undefined) {
        const job = opts.watch ? await watchJob(rt.syncJobs, opts.job) : await rt.syncJobs.status(opts.job);
        if (opts.watch && !job.complete) exitCode = 1;
        return print(opts.json ? JSON.stringify(job) : formatJobStatus(job));
      }
      const report = await statusReport(rt);
      print(opts.json ? JSON.stringify(report) : formatStatus(report));
    }),
  );

program
  .command('apply')
  .description('create or update a chain_sync job from YAML (idempotent by name); prints the job id')
  .requiredOption('--file <path>', 'job file')
  .action((opts: { file: string }) =>
    withSession(async ({ rt }) => {
      const spec = await readSyncJobFile(opts.file);
      const { jobId, created } = await rt.syncJobs.apply(spec);
      print(jobId);
      process.stderr.write(`${created ? 'created' : 'applied'} chain_sync job ${spec.name}\n`);
    }),
  );

for (const [command, status] of [
  ['pause', 'paused'],
  ['resume', 'active'],
] as const) {
  program
    .command(`${command} <job>`)
    .description(`${command} a chain_sync job (by id or name)`)
    .action((job: string) =>
      withSession(async ({ rt }) => {
        await rt.syncJobs.setStatus(job, status);
        print(`${job} ${status}`);
      }),
    );
}

program
  .command('datasets')
  .description('registered dataset versions: range, rows, bytes and s3:// location')
  .option('--dataset <name>', 'only this dataset')
  .option('--chain <id>', 'only this chain', positiveInt)
  .option('--json', 'print JSON')
  .action((opts: { dataset?: string; chain?: number; json?: boolean }) =>
    withSession(async ({ rt }) => {
      const versions = await rt.registry.listAll(opts.dataset, opts.chain);
      const endpoint = versions.length > 0 ? (await rt.objects.opened()).endpoint : '';
      const described = versions.map((v) => describeVersion(v, endpoint));
      if (opts.json) return printJson(described);
      for (const d of described) print(`${d.dataset.padEnd(12)} chain ${d.chain_id} [${d.range[0]}, ${d.range[1]})  ${d.rows} rows  ${d.bytes} B  ${d.uri.join(' ')}`);
      if (described.length === 0) print('no dataset versions registered');
    }),
  );

program
  .command('query [sql]')
  .description('run one read-only query (ad-hoc SQL or a stored template) on the Query Service in this process')
  .option('--template <name>', 'a stored template instead of SQL (see `trace-lite templates`)')
  .option('--param <name=value>', 'a template parameter; repeat for more', (pair: string, pairs: string[]) => [...pairs, pair], [])
  .addOption(new Option('--json', 'print the JSON result (columns, rows, stats)').conflicts(['csv', 'format', 'out']))
  .addOption(new Option('--csv', 'print the result as CSV').conflicts('format'))
  .addOption(new Option('--format <format>', 'encode the result as a file').choices(DOWNLOAD_FORMATS))
  .option('--out <file>', 'write the encoded result here (format from --format or the file extension)')
  .action(async (sql: string | undefined, opts: QueryCommandOptions) => {
    exitCode = await queryCommand(sql, opts);
  });

program
  .command('templates')
  .description('the stored query templates with their parameters and result columns')
  .option('--json', 'print JSON')
  .action((opts: { json?: boolean }) =>
    withSession(async ({ rt }) => {
      const templates = (await rt.query()).templates();
      print(opts.json ? JSON.stringify(templates, null, 2) : formatTemplates(templates));
    }),
  );

const task = program.command('task').description('single tasks');
task
  .command('submit')
  .description('submit one task; prints its id')
  .requiredOption('--operator <name>', 'operator to run')
  .option('--params <json>', 'operator parameters as a JSON object', '{}')
  .option('--max-attempts <n>', 'attempts before the task fails terminally', positiveInt)
  .option('--wait', 'block until the task ends; exit 1 if it failed')
  .option('--timeout <seconds>', 'with --wait, give up after this long', positiveInt, 3600)
  .action((opts: { operator: string; params: string; maxAttempts?: number; wait?: boolean; timeout: number }) =>
    withSession(async ({ rt }) => {
      const params = parseParams(opts.params);
      checkOperators(rt, { name: opts.operator, tasks: [{ name: opts.operator, operator: opts.operator, params, depends_on: [] }] });
      const taskId = await rt.tasks.runs.submitTask(opts.operator, params, opts.maxAttempts);
      print(taskId);
      if (!opts.wait) return;
      const done = await waitForTask(rt, taskId, opts.timeout * 1000);
      process.stderr.write(`task ${taskId} ${done.status}${done.last_error ? `: ${done.last_error}` : ''}\n`);
      if (done.status !== 'succeeded') exitCode = 1;
    }),
  );
task
  .command('show <id>')
  .description('a task with its attempt history')
  .option('--json', 'print JSON')
  .action((id: string, opts: { json?: boolean }) =>
    withSession(async ({ rt }) => {
      const row = await rt.tasks.reads.getTask(id);
      if (!row) throw new UsageError(`no task ${id}`);
      const attempts = await rt.tasks.reads.attemptHistory(id);
      if (opts.json) return printJson({ ...row, finished: taskIsFinished(row), attempts });
      print(`task ${row.task_id} ${row.operator}: ${row.status} (attempt ${row.attempt}, failures ${row.failures}/${row.max_attempts})`);
      for (const a of attempts) print(`  attempt ${a.attempt} on ${a.worker_id}: ${a.outcome}${a.error ? ` (${a.error})` : ''}`);
    }),
  );

const run = program.command('run').description('DAG runs');
run
  .command('submit')
  .description('submit a run (YAML or JSON: name, tasks[name, operator, params, depends_on, max_attempts]); prints its id')
  .requiredOption('--file <path>', 'run file')
  .option('--wait', 'block until the run finishes; exit 1 if it failed')
  .option('--timeout <seconds>', 'with --wait, give up after this long', positiveInt, 3600)
  .action((opts: { file: string; wait?: boolean; timeout: number }) =>
    withSession(async ({ rt }) => {
      const spec = await readRunFile(opts.file);
      checkOperators(rt, spec);
      const { runId } = await rt.tasks.runs.submitRun(spec);
      print(runId);
      if (!opts.wait) return;
      const done = await waitForRun(rt, runId, opts.timeout * 1000);
      process.stderr.write(`${formatRun(done)}\n`);
      if (done.run.status !== 'succeeded') exitCode = 1;
    }),
  );
run
  .command('status <id>')
  .description('a run and its tasks')
  .option('--json', 'print JSON')
  .action((id: string, opts: { json?: boolean }) =>
    withSession(async ({ rt }) => {
      const found = await rt.tasks.reads.getRun(id);
      if (!found) throw new UsageError(`no run ${id}`);
      print(opts.json ? JSON.stringify(found, null, 2) : formatRun(found));
    }),
  );

const queue = program.command('queue').description('the wake-up queue');
queue
  .command('dead')
  .description('list dead letters')
  .addOption(new Option('--queue <name>', 'queue').default(TASK_QUEUE))
  .action((opts: { queue: string }) => withSession(async ({ rt }) => printJson(await rt.queue.deadLetters(opts.queue))));
queue
  .command('redrive')
  .description('move dead letters back into the live queue')
  .addOption(new Option('--queue <name>', 'queue').default(TASK_QUEUE))
  .action((opts: { queue: string }) => withSession(async ({ rt }) => print(`redriven ${await rt.queue.redrive(opts.queue)}`)));

program
  .command('outbox-unpark')
  .description('return parked outbox rows to the publisher')
  .action(() => withSession(async ({ rt }) => print(`unparked ${await outboxStore.unpark(rt.db)}`)));

try {
  await program.parseAsync();
  process.exitCode = exitCode;
} catch (err) {
  const usage =
    err instanceof UsageError ||
    err instanceof ConfigError ||
    err instanceof RunSpecError ||
    err instanceof SyncJobSpecError ||
    err instanceof UnknownJobError;
  process.stderr.write(`trace-lite: ${(err as Error).message}\n`);
  process.exitCode = usage ? 2 : 1;
}
