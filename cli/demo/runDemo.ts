/**
 * `trace-lite demo`: the golden path on one laptop, with nothing configured. Starts the embedded
 * pieces (Postgres from DATABASE_URL or an embedded server, the embedded S3 server, a seeded
 * Monad-like devnet), syncs the chain into hot rows and cold Parquet, follows the tip briefly,
 * answers a tip query and a history query, runs the three analytics as committed tasks, prints
 * their tables and writes the static report. With `rpc` it syncs the last `blocks` of a real chain.
 */
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createPublicClient, http } from 'viem';
import { startDevnet, type Devnet } from '../../drivers/devnet/devnet.js';
import { MONAD_CHAIN_ID } from '../../drivers/devnet/monad.js';
import { buildSupervisor } from '../../actors/node/node.js';
import type { Role } from '../../actors/node/roles.js';
import type { Runtime } from '../../actors/node/context.js';
import type { QueryRequest, QueryResult } from '../../actors/query/queryTypes.js';
import { parseSyncJobSpec } from '../../actors/state/syncJobSpec.js';
import type { JobStatus } from '../../actors/state/syncJobs.js';
import { writeReport } from '../report/writeReport.js';
import type { ReportData, ReportTable } from '../report/reportData.js';
import { openSession } from '../session.js';
import { tierLines, watchJob } from '../progress.js';
import { formatTable } from '../resultTable.js';
import { analyticsRunSpec, OUTPUTS, type AnalyticsWindow } from './analyticsRun.js';
import { DEMO_RPC_POOL_VARIABLE, demoSyncJobYaml } from './demoJob.js';
import { loadConfig } from '../../runtime/config.js';

export interface DemoOptions {
  /** Devnet: blocks to seed (the whole history is synced). Real chain: the last N blocks. */
  blocks: number;
  /** A real chain's JSON-RPC URL instead of the devnet. */
  rpc?: string;
  /** Real chain: sync from genesis instead of the last `blocks` (slow; opt-in). */
  fullHistory: boolean;
  /** Real chain: the ERC-20 to analyse. The devnet's own token otherwise. */
  token?: string;
  /** Blocks the devnet produces while the sync follows the tip. */
  followBlocks: number;
  /** Also sync geth_calls (debug_traceBlockByNumber: ~10 blocks/s on anvil). */
  traces: boolean;
  /** Where the report goes. */
  out: string;
  topN: number;
  topK: number;
  /** The demo's schemas, dropped and recreated at its start. */
  schemaPrefix: string;
}

/** Every role but the gateway: the demo must not take port 8787 from a running `trace-lite up`. */
const DEMO_ROLES: readonly Role[] = ['dispatcher', 'publisher', 'heartbeat', 'worker', 'sink', 'janitor', 'query'];
const ANALYTICS_TIMEOUT_MS = 10 * 60_000;
/** Points per series in the report: enough for smooth charts, few balance reads. */
const SERIES_POINTS = 40;

type Say = (line: string) => void;

export async function runDemo(options: DemoOptions, say: Say = (line) => process.stderr.write(`${line}\n`)): Promise<{ reportPath: string }> {
  const started = performance.now();
  const steps = 7;
  const step = (n: number, text: string) => say(`\n[${n}/${steps}] ${text}`);
  const { dataDir } = loadConfig();

  step(1, options.rpc ? `chain at ${options.rpc}` : `devnet: seeding ${options.blocks} Monad-like blocks (anvil)`);
  const devnet = options.rpc ? undefined : await startDevnet({ dataDir, blocks: options.blocks, log: say });
  try {
    const rpcUrl = options.rpc ?? devnet!.description.rpc_url;
    const chain = await describeChain(rpcUrl, options, devnet);
    step(2, `starting Postgres, the S3 store and the actors (schemas ${options.schemaPrefix}*, reset)`);
    const session = await openSession({
      quiet: true,
      overrides: { schemaPrefix: options.schemaPrefix, ...(chain.genesisSupplyWei ? { nativeGenesisSupplyWei: chain.genesisSupplyWei } : {}) },
      env: { ...process.env, [DEMO_RPC_POOL_VARIABLE]: rpcUrl },
      reset: true,
    });
    const supervisor = buildSupervisor(session.rt, DEMO_ROLES);
    try {
      await supervisor.start();
      const rt = session.rt;

      // The native-coin analytics read geth_balance_diffs (prestateTracer): anvil serves it; a real
      // chain's node only with its debug API, which --traces says it has.
      const balanceDiffs = devnet !== undefined || options.traces;
      const streams = ['blocks', 'transactions', 'logs', ...(options.traces ? ['geth_calls'] : []), ...(balanceDiffs ? ['geth_balance_diffs'] : [])];
      step(3, `syncing blocks ${chain.fromBlock}..${chain.head} (${streams.join(', ')})`);
      const syncStarted = performance.now();
      const { jobId } = await rt.syncJobs.apply(parseSyncJobSpec(demoSyncJobYaml({ chainId: chain.chainId, fromBlock: chain.fromBlock, traces: options.traces, balanceDiffs }), 'demo job'));
      let synced = await watchJob(rt.syncJobs, jobId, process.stderr, caughtUpTo(chain.head));
      let head = chain.head;
      if (devnet && options.followBlocks > 0) {
        say(`following the tip: the devnet produces ${options.followBlocks} more blocks`);
        head = await devnet.extend(options.followBlocks);
        synced = await watchJob(rt.syncJobs, jobId, process.stderr, caughtUpTo(head));
      }
      say(`tiers (hot: served from hot rows; cold: from files):\n${tierLines(synced).join('\n')}`);
      const syncSeconds = (performance.now() - syncStarted) / 1000;
      // The chain goes away with the demo: a later `trace-lite up` on these schemas must not poll it.
      if (devnet) await rt.syncJobs.setStatus(jobId, 'paused');
      const service = await rt.query();

      step(4, 'tip query and history query');
      const tables: ReportTable[] = [];
      // `shown` is what the report prints as the query: the SQL, or the command that runs the template.
      const show = async (title: string, request: QueryRequest, shown = request.sql): Promise<QueryResult> => {
        const result = await service.query(request);
        const { rows, elapsedMs, coldFiles, hotRows } = result.stats;
        process.stdout.write(`\n${title} (${rows} rows, ${elapsedMs} ms, ${coldFiles} cold files, ${hotRows} hot rows)\n${formatTable(result)}\n`);
        tables.push({ title, sql: shown, columns: result.columns.map((c) => c.name), rows: result.rows });
        return result;
      };
      // The newest blocks, read from hot rows only (the template's window lies in the hot tier).
      const tip = { template: 'newest_blocks', params: { chain_id: chain.chainId, n: TIP_BLOCKS } };
      await show('Tip: the newest blocks', tip, `trace-lite query --template newest_blocks --param n=${TIP_BLOCKS}`);
      const bucket = Math.max(1, Math.ceil((head - chain.fromBlock + 1) / 10));
      await show(`History: activity per ${bucket} blocks`, { sql: historySql(bucket) });
      const counts = (await service.query({ sql: COUNTS_SQL })).rows[0]!;

      step(5, 'analytics: supply by block, top holders with history, stake concentration (duckdb_query tasks)');
      const window: AnalyticsWindow = {
        chainId: chain.chainId,
        fromBlock: chain.fromBlock,
        toBlock: head,
        step: Math.max(1, Math.ceil((head - chain.fromBlock) / SERIES_POINTS)),
        token: chain.token,
        topN: options.topN,
        topK: options.topK,
      };
      await runAnalytics(rt, window, chain.genesisSupplyWei !== undefined, say);

      step(6, 'results');
      const read = async (title: string, dataset: string, order: string): Promise<QueryResult> => show(title, { sql: `SELECT * FROM ${dataset} ORDER BY ${order}` });
      const nativeSupply = chain.genesisSupplyWei !== undefined ? await read('Native MON supply by block', OUTPUTS.nativeSupply, 'block_number') : undefined;
      const erc20Supply = chain.token ? await read(`ERC-20 ${chain.token} supply by block`, OUTPUTS.erc20Supply, 'block_number') : undefined;
      const nativeTop = await read(`Top ${options.topN} MON holders at block ${head}`, OUTPUTS.nativeTop, 'rank');
      const nativeHistory = await service.query({ sql: `SELECT * FROM ${OUTPUTS.nativeHistory} ORDER BY block_number, address` });
      const erc20Top = chain.token ? await read(`Top ${options.topN} token holders at block ${head}`, OUTPUTS.erc20Top, 'rank') : undefined;
      const erc20History = chain.token ? await service.query({ sql: `SELECT * FROM ${OUTPUTS.erc20History} ORDER BY block_number, address` }) : undefined;
      const stake = await read(`Stake by validator at block ${head}`, OUTPUTS.stake, 'validator_id');
      const stakeHistory = await service.query({ sql: `SELECT * FROM ${OUTPUTS.stakeHistory} ORDER BY block_number, validator_id` });
      const concentration = await read(`Stake concentration at block ${head} (k = ${options.topK})`, OUTPUTS.concentration, 'validators');

      step(7, 'report');
      const report: ReportData = {
        generatedAt: new Date().toISOString(),
        chainId: chain.chainId,
        window: { fromBlock: chain.fromBlock, toBlock: head },
        sync: { blocks: Number(counts[0]), transactions: Number(counts[1]), logs: Number(counts[2]), seconds: Math.round(syncSeconds * 10) / 10 },
        tables,
        nativeSupply: (nativeSupply?.rows ?? []).map((r) => ({ block_number: Number(r[0]), total_supply_wei: String(r[1]) })),
        erc20Supply: erc20Supply ? { token: chain.token!, points: erc20Supply.rows.map((r) => ({ block_number: Number(r[0]), total_supply: String(r[1]) })) } : null,
        holders: [
          holdersOf('native', nativeTop, nativeHistory),
          ...(erc20Top && erc20History ? [holdersOf(chain.token!, erc20Top, erc20History)] : []),
        ],
        stake: {
          block: head,
          k: options.topK,
          byValidator: stake.rows.map((r) => ({ validator_id: Number(r[0]), stake_wei: String(r[1]) })),
          history: stakeHistory.rows.map((r) => ({ block_number: Number(r[0]), validator_id: Number(r[1]), stake_wei: String(r[2]) })),
          concentration: concentrationOf(concentration),
        },
      };
      const { indexPath, charts } = await writeReport(path.resolve(options.out), report);
      say(`report: ${indexPath} (${charts.length} charts); \`trace-lite up\` serves it at http://127.0.0.1:8787/`);
      say(`demo finished in ${Math.round((performance.now() - started) / 1000)} s`);
      return { reportPath: indexPath };
    } finally {
      await supervisor.stop();
      await session.close();
    }
  } finally {
    await devnet?.stop();
  }
}

interface ChainFacts {
  chainId: number;
  fromBlock: number;
  head: number;
  token: string | null;
  /** Known for the devnet; a real chain's genesis supply is not, so native supply is skipped there. */
  genesisSupplyWei: string | undefined;
}

async function describeChain(rpcUrl: string, options: DemoOptions, devnet: Devnet | undefined): Promise<ChainFacts> {
  if (devnet) {
    const d = devnet.description;
    return { chainId: d.chain_id, fromBlock: 0, head: d.last_block, token: d.contracts.erc20.toLowerCase(), genesisSupplyWei: d.genesis_supply_wei };
  }
  const client = createPublicClient({ transport: http(rpcUrl) });
  const [chainId, head] = await Promise.all([client.getChainId(), client.getBlockNumber({ cacheTime: 0 })]);
  const last = Number(head);
  return {
    chainId: chainId ?? MONAD_CHAIN_ID,
    fromBlock: options.fullHistory ? 0 : Math.max(0, last - options.blocks + 1),
    head: last,
    token: options.token?.toLowerCase() ?? null,
    genesisSupplyWei: undefined,
  };
}

/** Every stream has ingested through `head` and has nothing in flight. */
function caughtUpTo(head: number): (status: JobStatus) => boolean {
  return (status) => Object.values(status.streams).every((s) => s.cursor > head && s.ranges_in_flight === 0);
}

/** Submits the analytics run and reports each task as it finishes; throws if one failed. */
async function runAnalytics(rt: Runtime, window: AnalyticsWindow, nativeSupply: boolean, say: Say): Promise<void> {
  const spec = analyticsRunSpec(window);
  if (!nativeSupply) spec.tasks = spec.tasks.filter((t) => t.name !== 'native_supply');
  const { runId } = await rt.tasks.runs.submitRun(spec);
  const reported = new Set<string>();
  const deadline = Date.now() + ANALYTICS_TIMEOUT_MS;
  for (;;) {
    const found = await rt.tasks.reads.getRun(runId);
    if (!found) throw new Error(`analytics run ${runId} vanished`);
    for (const task of found.tasks) {
      if (task.finished_at === null || reported.has(task.name)) continue;
      reported.add(task.name);
      const result = task.result as { rows?: number; dataset?: string } | null;
      say(`  ${task.name.padEnd(18)} ${task.status}${result?.rows === undefined ? '' : `, ${result.rows} rows`}${task.last_error ? ` (${task.last_error})` : ''}`);
    }
    if (found.run.finished_at !== null) {
      if (found.run.status !== 'succeeded') throw new Error(`analytics run ${runId} ${found.run.status}: see \`trace-lite run status ${runId}\``);
      return;
    }
    if (Date.now() > deadline) throw new Error(`analytics run ${runId} still running after ${ANALYTICS_TIMEOUT_MS / 60_000} min`);
    await delay(250);
  }
}

function holdersOf(token: string, top: QueryResult, history: QueryResult): ReportData['holders'][number] {
  return {
    token,
    leaderboard: top.rows.map((r) => ({ rank: Number(r[0]), address: String(r[1]), balance: String(r[2]) })),
    history: history.rows.map((r) => ({ block_number: Number(r[0]), address: String(r[1]), balance: String(r[2]) })),
  };
}

function concentrationOf(result: QueryResult): ReportData['stake']['concentration'] {
  const row = result.rows[0];
  const at = (name: string): number => Number(row?.[result.columns.findIndex((c) => c.name === name)] ?? 0);
  return { gini: at('gini'), top_k_share: at('top_k_share'), nakamoto_33: at('nakamoto_33'), hhi: at('hhi'), validators: at('validators') };
}

/** The tip query's blocks: the issue's "newest 5 blocks". */
const TIP_BLOCKS = 5;

const COUNTS_SQL = `SELECT (SELECT count(*) FROM blocks), (SELECT count(*) FROM transactions), (SELECT count(*) FROM logs)`;

function historySql(bucket: number): string {
  return `WITH txs AS (
  SELECT block_number // ${bucket} * ${bucket} AS from_block, count(*) AS transactions, sum(value_string::HUGEINT) AS value_wei
  FROM transactions GROUP BY 1
), transfers AS (
  SELECT block_number // ${bucket} * ${bucket} AS from_block, count(*) AS token_transfers
  FROM logs WHERE topic0 = from_hex('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef') GROUP BY 1
)
SELECT from_block, transactions, coalesce(token_transfers, 0) AS token_transfers, value_wei
FROM txs LEFT JOIN transfers USING (from_block) ORDER BY from_block`;
}
