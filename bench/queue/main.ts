/**
 * Queue benchmark: pgqueue beside the prepared plain-SQL limit (id and ctid forms, baseline.ts),
 * a pgmq-style semantic reference (reference.ts), graphile-worker and pg-boss, on the same
 * Postgres in one run, and the NATS JetStream driver (TRACE_NATS_URL) with pgqueue's workload; then
 * the steady-state round (steady.ts) on a private PostgreSQL 17 with autovacuum on.
 * Usage: node dist/bench/queue/main.js [--json] [--quick] [--rounds N] [--messages N] [--cycles N]
 *   [--steady-seconds N] [--out DIR]
 * `--out DIR` adds a consume sweep over batch sizes 1/10/100/1000 and writes DIR/queue-throughput.svg.
 * The last stdout line is always one JSON object (keys are a contract); progress goes to stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BaselineSubject, TAKE_FORMS, type TakeForm } from './baseline.js';
import { BENCH_DATABASE_URL, benchPrefix, Cleanups, postgresVersion, WAL_METHOD } from './database.js';
import { GRAPHILE_WORKER_DEFAULTS, GRAPHILE_WORKER_FAST, GraphileWorkerSubject } from './graphileWorker.js';
import { PG_BOSS_DEFAULTS, PG_BOSS_FAST, PgBossSubject } from './pgBoss.js';
import { PgQueueSubject } from './pgqueue.js';
import type { PlainSqlSubject } from './plainSqlSubject.js';
import { ReferenceSubject } from './reference.js';
import type { DriverRates, LatencyResult } from './driverSubject.js';
import { NatsQueueSubject } from './nats.js';
import { DEFAULT_NATS_URL } from '../../runtime/config.js';
import { median, perSecond, progress } from './stats.js';
import { positiveIntOption } from '../options.js';
import { drainQueueMs, fillMs, runQueueRound, type QueueSubject, type WorkloadShape } from './workload.js';
import { steadyDatabase, steadyRound, type SteadyResult, type SteadyShape } from './steady.js';
import { throughputChart } from './chart.js';

/** 4 consumers/producers = 4 pool connections, for pgqueue and the baseline alike. */
const WORKERS = 4;
const BATCH = 100;
/** The one-per-call phases move this fraction of `--messages` (see WorkloadShape.singleMessages). */
const SINGLE_SHARE = 4;
/** How each Postgres-side subject is driven, printed in the JSON beside its figures. */
const SUBJECT_CONFIG = {
  pgqueue: {
    pool: WORKERS,
    statements: 'named prepared (state/queue.sql)',
    consumer: 'receive, then ackBatch without awaiting it before the next receive; the drain clock includes settling the last acks',
    acks: 'folded into the next receive of the same process (drivers/queue/pgAckBuffer.ts); a refused ack fails the run',
    commit: 'publish flushed; receive (acks folded in) with synchronous_commit off for its transaction',
  },
  baseline: {
    pool: WORKERS,
    statements: 'named prepared',
    consumer: 'one DELETE … FOR UPDATE SKIP LOCKED … RETURNING per take (the take is the ack)',
    commit: 'flushed (the server default)',
  },
} as const;

/** Batch sizes of the `--out` sweep and its chart. */
const SWEEP_BATCHES = [1, 10, 100, 1000] as const;
/** Steady-state throughput is reported per window of this length: 6 figures in the default 60 s. */
const STEADY_WINDOW_SECONDS = 10;
const CHART_FILE = 'queue-throughput.svg';

interface Options {
  json: boolean;
  rounds: number;
  messages: number;
  batchCycles: number;
  latencySamples: number;
  quick: boolean;
  steadySeconds: number;
  out: string | undefined;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      messages: { type: 'string' },
      cycles: { type: 'string' },
      'steady-seconds': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  return {
    json: values.json ?? false,
    quick,
    rounds: positiveIntOption(values.rounds, quick ? 1 : 3, 'rounds'),
    messages: positiveIntOption(values.messages, quick ? 2_000 : 20_000, 'messages'),
    batchCycles: positiveIntOption(values.cycles, quick ? 1 : 5, 'cycles'),
    // 500 samples × 5–10 ms ≈ 4 s per round; p99 then rests on the 5 slowest samples of each round.
    latencySamples: quick ? 100 : 500,
    steadySeconds: positiveIntOption(values['steady-seconds'], quick ? 2 * STEADY_WINDOW_SECONDS : 60, 'steady-seconds'),
    out: values.out,
  };
}

interface RoundResult {
  pgqueue: DriverRates;
  baseline: Record<TakeForm, DriverRates>;
  reference: DriverRates;
  latency: LatencyResult;
  nats: DriverRates;
  natsLatency: LatencyResult;
  graphileWorker: number;
  graphileWorkerDefaults: number;
  pgBoss: number;
  pgBossDefaults: number;
}

const r0 = (n: number): number => Math.round(n);
const r2 = (n: number): number => Math.round(n * 100) / 100;

/** The rounds' plain-SQL subjects: the baseline's forms and the semantic reference. */
async function plainSqlRound(subject: PlainSqlSubject, shape: WorkloadShape): Promise<DriverRates> {
  let enqueue = Number.NaN;
  const rates = await runQueueRound(subject, shape, async (single) => {
    enqueue = perSecond(single.messages, await subject.fillOneByOneMs(single));
  });
  return { enqueue_per_s: enqueue, ...rates };
}

/** The baseline form whose batched consume was faster (median over the rounds): the limit; and the other. */
function limitForms(rounds: readonly RoundResult[]): [TakeForm, TakeForm] {
  const med = (pick: (r: RoundResult) => number): number => median(rounds.map(pick));
  return [...TAKE_FORMS].sort(
    (a, b) => med((r) => r.baseline[b].consume_batch_per_s) - med((r) => r.baseline[a].consume_batch_per_s),
  ) as [TakeForm, TakeForm];
}

interface SteadyFigures {
  postgres_version: string;
  pgqueue: SteadyResult;
  baseline: SteadyResult;
}

/** Consume throughput per sweep batch size, by subject (the `--out` chart's data). */
type Sweep = Record<string, number[]>;

function summarize(
  rounds: readonly RoundResult[],
  steadyFigures: SteadyFigures,
  sweep: Sweep | undefined,
  options: Options,
  postgres: string,
  runtimeS: number,
) {
  const med = (pick: (r: RoundResult) => number): number => median(rounds.map(pick));
  const rateFigures = (rates: (r: RoundResult) => DriverRates) => ({
    enqueue_per_s: r0(med((r) => rates(r).enqueue_per_s)),
    enqueue_batch_per_s: r0(med((r) => rates(r).enqueue_batch_per_s)),
    consume_per_s: r0(med((r) => rates(r).consume_per_s)),
    consume_batch_per_s: r0(med((r) => rates(r).consume_batch_per_s)),
  });
  // The same figures for each driver, as medians over the rounds.
  const driverFigures = (rates: (r: RoundResult) => DriverRates, latency: (r: RoundResult) => LatencyResult) => ({
    ...rateFigures(rates),
    latency_p50_ms: r2(med((r) => latency(r).p50_ms)),
    latency_p99_ms: r2(med((r) => latency(r).p99_ms)),
  });
  const pgqueue = { ...driverFigures((r) => r.pgqueue, (r) => r.latency), config: SUBJECT_CONFIG.pgqueue };
  const nats = driverFigures((r) => r.nats, (r) => r.natsLatency);
  const [form, otherForm] = limitForms(rounds);
  const limit = (r: RoundResult): DriverRates => r.baseline[form];
  const baseline = {
    form,
    config: SUBJECT_CONFIG.baseline,
    ...rateFigures(limit),
    other_form: { form: otherForm, ...rateFigures((r) => r.baseline[otherForm]) },
  };
  const reference = rateFigures((r) => r.reference);
  const peers = {
    graphile_worker: { process_per_s: r0(med((r) => r.graphileWorker)), config: GRAPHILE_WORKER_FAST },
    graphile_worker_defaults: { process_per_s: r2(med((r) => r.graphileWorkerDefaults)), config: GRAPHILE_WORKER_DEFAULTS },
    pg_boss: { process_per_s: r0(med((r) => r.pgBoss)), config: PG_BOSS_FAST },
    pg_boss_defaults: { process_per_s: r2(med((r) => r.pgBossDefaults)), config: PG_BOSS_DEFAULTS },
  };
  // Paired: each round's subjects ran back to back, so a ratio within a round cancels load that
  // other processes put on the shared 2 cores between rounds.
  const paired = (pick: (r: RoundResult) => number): number => r2(med(pick));
  const ratio = {
    consume_batch_vs_baseline: paired((r) => r.pgqueue.consume_batch_per_s / limit(r).consume_batch_per_s),
    consume_vs_baseline: paired((r) => r.pgqueue.consume_per_s / limit(r).consume_per_s),
    enqueue_batch_vs_baseline: paired((r) => r.pgqueue.enqueue_batch_per_s / limit(r).enqueue_batch_per_s),
    enqueue_vs_baseline: paired((r) => r.pgqueue.enqueue_per_s / limit(r).enqueue_per_s),
    consume_batch_vs_reference: paired((r) => r.pgqueue.consume_batch_per_s / r.reference.consume_batch_per_s),
    // Against each peer's better configuration of the round (the documented fast one, in practice).
    consume_batch_vs_graphile_worker: paired((r) => r.pgqueue.consume_batch_per_s / Math.max(r.graphileWorker, r.graphileWorkerDefaults)),
    consume_batch_vs_pg_boss: paired((r) => r.pgqueue.consume_batch_per_s / Math.max(r.pgBoss, r.pgBossDefaults)),
    steady_last_vs_first: r2(steadyFigures.pgqueue.last_vs_first),
  };
  const targets = {
    consume_batch_vs_baseline_ge_0_7: ratio.consume_batch_vs_baseline >= 0.7,
    consume_vs_baseline_ge_0_6: ratio.consume_vs_baseline >= 0.6,
    enqueue_batch_vs_baseline_ge_0_85: ratio.enqueue_batch_vs_baseline >= 0.85,
    enqueue_vs_baseline_ge_0_8: ratio.enqueue_vs_baseline >= 0.8,
    consume_batch_vs_graphile_worker_ge_3: ratio.consume_batch_vs_graphile_worker >= 3,
    consume_batch_vs_pg_boss_ge_3: ratio.consume_batch_vs_pg_boss >= 3,
    latency_p50_le_2_ms: pgqueue.latency_p50_ms <= 2,
    latency_p99_le_20_ms: pgqueue.latency_p99_ms <= 20,
    steady_last_vs_first_ge_0_9: ratio.steady_last_vs_first >= 0.9,
  };
  const steadyRounded = (f: SteadyResult) => ({
    consume_per_s_by_window: f.consume_per_s_by_window.map(r0),
    last_vs_first: r2(f.last_vs_first),
    table_bytes_end: r0(f.table_bytes_end),
    dead_rows_end: r0(f.dead_rows_end),
    autovacuum_runs: r0(f.autovacuum_runs),
  });
  const steady = {
    postgres_version: steadyFigures.postgres_version,
    server: 'private embedded PostgreSQL, autovacuum on at its defaults, no manual VACUUM',
    seconds: options.steadySeconds,
    window_s: STEADY_WINDOW_SECONDS,
    backlog: options.messages,
    workers: WORKERS,
    batch: BATCH,
    baseline_form: form,
    pgqueue: steadyRounded(steadyFigures.pgqueue),
    baseline: steadyRounded(steadyFigures.baseline),
  };
  // Why the ratios are what they are: WAL per message (enqueue + consume, batched phases).
  const diagnostics = {
    pgqueue_wal_bytes_per_message_batched: r0(med((r) => r.pgqueue.wal_bytes_per_message_batched)),
    baseline_wal_bytes_per_message_batched: r0(med((r) => limit(r).wal_bytes_per_message_batched)),
    reference_wal_bytes_per_message_batched: r0(med((r) => r.reference.wal_bytes_per_message_batched)),
    wal_method: WAL_METHOD,
  };
  const perRound = rounds.map((r) => ({
    pgqueue: mapValues(r.pgqueue, r0),
    baseline: { id: mapValues(r.baseline.id, r0), ctid: mapValues(r.baseline.ctid, r0) },
    reference: mapValues(r.reference, r0),
    latency: { p50_ms: r2(r.latency.p50_ms), p99_ms: r2(r.latency.p99_ms) },
    graphile_worker: r0(r.graphileWorker),
    graphile_worker_defaults: r2(r.graphileWorkerDefaults),
    pg_boss: r0(r.pgBoss),
    pg_boss_defaults: r2(r.pgBossDefaults),
    nats: {
      enqueue_per_s: r0(r.nats.enqueue_per_s),
      enqueue_batch_per_s: r0(r.nats.enqueue_batch_per_s),
      consume_per_s: r0(r.nats.consume_per_s),
      consume_batch_per_s: r0(r.nats.consume_batch_per_s),
    },
    nats_latency: { p50_ms: r2(r.natsLatency.p50_ms), p99_ms: r2(r.natsLatency.p99_ms) },
  }));
  return {
    pgqueue,
    nats,
    baseline,
    reference,
    peers,
    steady,
    ...(sweep ? { sweep: { batches: SWEEP_BATCHES, consume_per_s: Object.fromEntries(Object.entries(sweep).map(([k, v]) => [k, v.map(r0)])) } } : {}),
    ratio,
    ratio_method: 'median of per-round ratios',
    targets,
    diagnostics,
    rounds: options.rounds,
    messages: options.messages,
    single_messages: Math.ceil(options.messages / SINGLE_SHARE),
    batched_messages: options.messages * options.batchCycles,
    latency_samples: options.latencySamples * options.rounds,
    workers: WORKERS,
    batch: BATCH,
    postgres_version: postgres,
    node_version: process.versions.node,
    runtime_s: r2(runtimeS),
    per_round: perRound,
  };
}

function mapValues<T extends object>(obj: T, fn: (n: number) => number): Record<keyof T, number> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v as number)])) as Record<keyof T, number>;
}

type Summary = ReturnType<typeof summarize>;

function table(s: Summary): string {
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const b = s.baseline;
  const o = b.other_form;
  const rows: [string, string][] = [
    ['enqueue, 1 per call: pgqueue / baseline', `${fmt(s.pgqueue.enqueue_per_s)} / ${fmt(b.enqueue_per_s)} msg/s`],
    ['enqueue, 100 per call: pgqueue / baseline', `${fmt(s.pgqueue.enqueue_batch_per_s)} / ${fmt(b.enqueue_batch_per_s)} msg/s`],
    ['consume, 1 per receive: pgqueue / baseline', `${fmt(s.pgqueue.consume_per_s)} / ${fmt(b.consume_per_s)} msg/s`],
    ['consume, 100 per receive: pgqueue / baseline', `${fmt(s.pgqueue.consume_batch_per_s)} / ${fmt(b.consume_batch_per_s)} msg/s`],
    [`baseline form (other: ${o.form})`, `${b.form} (${o.form}: ${fmt(o.consume_batch_per_s)} / ${fmt(o.consume_per_s)} msg/s batch / single)`],
    ['reference (pgmq-style) consume 100 / 1', `${fmt(s.reference.consume_batch_per_s)} / ${fmt(s.reference.consume_per_s)} msg/s`],
    ['graphile-worker process, fast / defaults', `${fmt(s.peers.graphile_worker.process_per_s)} / ${fmt(s.peers.graphile_worker_defaults.process_per_s)} jobs/s`],
    ['pg-boss process, fast / defaults', `${fmt(s.peers.pg_boss.process_per_s)} / ${fmt(s.peers.pg_boss_defaults.process_per_s)} jobs/s`],
    ['pgqueue latency p50 / p99', `${s.pgqueue.latency_p50_ms} / ${s.pgqueue.latency_p99_ms} ms`],
    ['nats enqueue (single / batch of 100)', `${fmt(s.nats.enqueue_per_s)} / ${fmt(s.nats.enqueue_batch_per_s)} msg/s`],
    ['nats consume (1 / 100 per receive)', `${fmt(s.nats.consume_per_s)} / ${fmt(s.nats.consume_batch_per_s)} msg/s`],
    ['nats latency p50 / p99', `${s.nats.latency_p50_ms} / ${s.nats.latency_p99_ms} ms`],
    [
      'WAL per message, pgqueue / baseline / reference',
      `${s.diagnostics.pgqueue_wal_bytes_per_message_batched} / ${s.diagnostics.baseline_wal_bytes_per_message_batched} / ${s.diagnostics.reference_wal_bytes_per_message_batched} B`,
    ],
    ['consume batch vs baseline', `${s.ratio.consume_batch_vs_baseline}× (target ≥ 0.7)`],
    ['consume (1) vs baseline', `${s.ratio.consume_vs_baseline}× (target ≥ 0.6)`],
    ['enqueue batch vs baseline', `${s.ratio.enqueue_batch_vs_baseline}× (target ≥ 0.85)`],
    ['enqueue (1) vs baseline', `${s.ratio.enqueue_vs_baseline}× (target ≥ 0.8)`],
    ['steady pgqueue, msg/s per window', s.steady.pgqueue.consume_per_s_by_window.map(fmt).join(' ')],
    ['steady baseline, msg/s per window', s.steady.baseline.consume_per_s_by_window.map(fmt).join(' ')],
    ['steady table bytes at end, pgqueue / baseline', `${fmt(s.steady.pgqueue.table_bytes_end)} / ${fmt(s.steady.baseline.table_bytes_end)}`],
    ['steady last vs first window', `${s.ratio.steady_last_vs_first}× (target ≥ 0.9)`],
    ['consume batch vs reference', `${s.ratio.consume_batch_vs_reference}×`],
    ['consume batch vs graphile-worker', `${s.ratio.consume_batch_vs_graphile_worker}× (target ≥ 3)`],
    ['consume batch vs pg-boss', `${s.ratio.consume_batch_vs_pg_boss}× (target ≥ 3)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const head =
    `Queue bench: ${s.rounds} rounds (medians; ratios paired per round), ${s.messages} messages per figure ` +
    `(${s.batched_messages} for batched ones), ${s.workers} connections, PostgreSQL ${s.postgres_version}, ${s.runtime_s} s`;
  return [head, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

/**
 * Consume throughput at each sweep batch size: the Postgres subjects drain a backlog filled
 * untimed; pg-boss fetches and completes batches of that size, graphile-worker (documented fast
 * configuration) fills a local queue of that size (off at 1). The one- and ten-per-receive points
 * move `singleMessages` (they run at a few thousand per second), the others `messages`.
 */
async function sweepBatches(
  subjects: { pgqueue: QueueSubject; baseline: BaselineSubject; reference: QueueSubject; graphile: GraphileWorkerSubject; boss: PgBossSubject },
  shape: WorkloadShape,
): Promise<Sweep> {
  const sweep: Sweep = { pgqueue: [], [`baseline (${subjects.baseline.form})`]: [], 'reference (pgmq-style)': [], 'graphile-worker': [], 'pg-boss': [] };
  const series = Object.values(sweep);
  for (const batch of SWEEP_BATCHES) {
    const sized = { ...shape, messages: batch <= 10 ? shape.singleMessages : shape.messages };
    progress(`sweep: ${sized.messages} messages, ${batch} per receive`);
    const queues = [subjects.pgqueue, subjects.baseline, subjects.reference];
    for (const [i, subject] of queues.entries()) {
      await fillMs(subject, sized, shape.batch);
      series[i]!.push(perSecond(sized.messages, await drainQueueMs(subject, sized, batch)));
    }
    series[3]!.push(await subjects.graphile.round(sized.messages, { ...GRAPHILE_WORKER_FAST, localQueueSize: batch === 1 ? -1 : batch }));
    series[4]!.push(await subjects.boss.round(sized.messages, { ...PG_BOSS_FAST, batchSize: batch }));
  }
  return sweep;
}

/** The steady-state round for pgqueue and the baseline's limit form, one after the other, on a private PostgreSQL. */
async function steadyRounds(form: TakeForm, options: Options, cleanups: Cleanups): Promise<SteadyFigures> {
  progress(`steady state: starting a private PostgreSQL, ${options.steadySeconds} s per subject`);
  const database = await steadyDatabase(cleanups);
  const prefix = benchPrefix();
  const shape: SteadyShape = { seconds: options.steadySeconds, windowSeconds: STEADY_WINDOW_SECONDS, backlog: options.messages, workers: WORKERS, batch: BATCH };
  const pgqueue = await PgQueueSubject.create(database.url, prefix, WORKERS, cleanups);
  const baseline = await BaselineSubject.create(database.url, `${prefix}baseline`, form, WORKERS, cleanups);
  return {
    postgres_version: database.version,
    pgqueue: await steadyRound(database.url, pgqueue, shape),
    baseline: await steadyRound(database.url, baseline, shape),
  };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const started = performance.now();
  const url = BENCH_DATABASE_URL;
  const prefix = benchPrefix();
  const cleanups = new Cleanups();
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: cleaning up ${prefix}*`);
    void cleanups.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const postgres = await postgresVersion(url);
    progress(`PostgreSQL ${postgres}, schemas ${prefix}*, ${options.messages} messages × ${options.rounds} rounds`);
    if (options.quick) progress('--quick: smoke-run sizes, figures are not comparable to a full run');
    const pgqueue = await PgQueueSubject.create(url, prefix, WORKERS, cleanups);
    const baselines = {
      id: await BaselineSubject.create(url, `${prefix}baseline_id`, 'id', WORKERS, cleanups),
      ctid: await BaselineSubject.create(url, `${prefix}baseline_ctid`, 'ctid', WORKERS, cleanups),
    };
    const reference = await ReferenceSubject.create(url, `${prefix}reference`, WORKERS, cleanups);
    const graphile = await GraphileWorkerSubject.create(url, `${prefix}graphile_worker`, cleanups);
    const boss = await PgBossSubject.create(url, `${prefix}pgboss`, cleanups);
    const nats = await NatsQueueSubject.create(process.env.TRACE_NATS_URL || DEFAULT_NATS_URL, `${prefix}nats`, cleanups);
    const shape: WorkloadShape = {
      messages: options.messages,
      singleMessages: Math.ceil(options.messages / SINGLE_SHARE),
      workers: WORKERS,
      batch: BATCH,
      batchCycles: options.batchCycles,
    };

    const rounds: RoundResult[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        progress(`round ${round}/${options.rounds}: ${what}`);
        return fn();
      };
      // The Postgres subjects rotate which goes first, so drift (WAL recycling, the other
      // engineers' load) spreads evenly over them.
      const postgresSubjects = [
        ['pgqueue', () => pgqueue.round(shape)],
        ['baseline id', () => plainSqlRound(baselines.id, shape)],
        ['baseline ctid', () => plainSqlRound(baselines.ctid, shape)],
        ['reference', () => plainSqlRound(reference, shape)],
      ] as const;
      const rates = new Map<string, DriverRates>();
      for (let i = 0; i < postgresSubjects.length; i++) {
        const [what, run] = postgresSubjects[(i + round - 1) % postgresSubjects.length]!;
        rates.set(what, await step(`${what} throughput`, run));
      }
      const latency = await step('pgqueue latency', () => pgqueue.latency(options.latencySamples));
      const graphileWorker = await step('graphile-worker (documented fast config)', () => graphile.round(options.messages, GRAPHILE_WORKER_FAST));
      const graphileWorkerDefaults = await step('graphile-worker (defaults)', () => graphile.round(options.messages, GRAPHILE_WORKER_DEFAULTS));
      const pgBoss = await step('pg-boss (fetch + complete batches)', () => boss.round(options.messages, PG_BOSS_FAST));
      const pgBossDefaults = await step('pg-boss (defaults)', () => boss.round(options.messages, PG_BOSS_DEFAULTS));
      const natsRates = await step('nats throughput', () => nats.round(shape));
      const natsLatency = await step('nats latency', () => nats.latency(options.latencySamples));
      const result: RoundResult = {
        pgqueue: rates.get('pgqueue')!,
        baseline: { id: rates.get('baseline id')!, ctid: rates.get('baseline ctid')! },
        reference: rates.get('reference')!,
        latency,
        graphileWorker,
        graphileWorkerDefaults,
        pgBoss,
        pgBossDefaults,
        nats: natsRates,
        natsLatency,
      };
      progress(`round ${round}: ${JSON.stringify(result, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v))}`);
      rounds.push(result);
    }

    const [form] = limitForms(rounds);
    const sweep = options.out === undefined ? undefined : await sweepBatches({ pgqueue, baseline: baselines[form], reference, graphile, boss }, shape);
    const steadyFigures = await steadyRounds(form, options, cleanups);
    const summary = summarize(rounds, steadyFigures, sweep, options, postgres, (performance.now() - started) / 1000);
    if (options.out !== undefined && sweep) {
      await mkdir(options.out, { recursive: true });
      const file = path.join(options.out, CHART_FILE);
      const title = `Queue consume by batch size (${WORKERS} consumers, PostgreSQL ${postgres}, ${new Date().toISOString().slice(0, 10)})`;
      await writeFile(file, throughputChart(title, SWEEP_BATCHES, Object.entries(sweep).map(([label, values]) => ({ label, values }))));
      progress(`wrote ${file}`);
    }
    if (!options.json) process.stdout.write(`${table(summary)}\n`);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await cleanups.runAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench:queue] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
