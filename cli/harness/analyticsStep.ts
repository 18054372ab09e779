/**
 * The harness's analytics: the demo's DAG submitted over the gateway's HTTP API (POST /v1/runs) and
 * followed to its end, then its committed results compared with the devnet's own answers.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DevnetDescription } from '../../drivers/devnet/devnet.js';
import { DevnetAnswers } from '../../drivers/devnet/devnetAnswers.js';
import { analyticsRunSpec, type AnalyticsWindow } from '../demo/analyticsRun.js';
import type { GatewayClient, RunStatus } from './gatewayClient.js';
import { ANALYTICS_INVARIANTS, analyticsInvariants } from './invariants/analyticsInvariants.js';
import { errorLine, invariant, notReached, type Invariant } from './invariants/invariant.js';

const RUN_SUCCEEDS = 'the analytics run succeeds';
/** Points per series to compare with the chain: each sampled block costs ~300 balance reads. */
const SAMPLES = 6;
const TOP_N = 5;
const TOP_K = 3;
/** A run's tasks take seconds; four looks a second show each as it ends. */
const RUN_POLL_MS = 250;

/** Runs the DAG unless `unfinished` says why it cannot (the sync did not complete). */
export async function analyticsStep(
  api: GatewayClient,
  d: DevnetDescription,
  timeoutSeconds: number,
  unfinished: string | undefined,
  say: (line: string) => void,
): Promise<Invariant[]> {
  const skipped = (why: string) => Object.values(ANALYTICS_INVARIANTS).map((name) => notReached(name, why));
  if (unfinished !== undefined) return [notReached(RUN_SUCCEEDS, unfinished), ...skipped(unfinished)];
  const window: AnalyticsWindow & { token: string } = {
    chainId: d.chain_id,
    fromBlock: 0,
    toBlock: d.last_block,
    step: Math.ceil(d.last_block / SAMPLES),
    token: d.contracts.erc20.toLowerCase(),
    topN: TOP_N,
    topK: TOP_K,
    genesisSupplyWei: d.genesis_supply_wei,
  };
  let run: RunStatus;
  try {
    run = await runToEnd(api, window, timeoutSeconds, say);
  } catch (err) {
    return [notReached(RUN_SUCCEEDS, errorLine(err)), ...skipped(errorLine(err))];
  }
  const failed = run.tasks.filter((t) => t.status !== 'succeeded').map((t) => `${t.name} ${t.status}: ${t.last_error ?? ''}`);
  const succeeds = invariant(RUN_SUCCEEDS, `run ${run.run.run_id}: ${run.tasks.length - failed.length}/${run.tasks.length} tasks succeeded`, failed);
  if (failed.length > 0) return [succeeds, ...skipped('the analytics run failed')];
  try {
    return [succeeds, ...(await analyticsInvariants(api, new DevnetAnswers(d), window))];
  } catch (err) {
    return [succeeds, ...skipped(errorLine(err))];
  }
}

async function runToEnd(api: GatewayClient, window: AnalyticsWindow, timeoutSeconds: number, say: (line: string) => void): Promise<RunStatus> {
  const { run_id: runId } = await api.submitRun(analyticsRunSpec(window));
  const deadline = Date.now() + timeoutSeconds * 1000;
  const reported = new Set<string>();
  for (;;) {
    const run = await api.runStatus(runId);
    for (const task of run.tasks.filter((t) => t.finished_at !== null && !reported.has(t.name))) {
      reported.add(task.name);
      say(`  ${task.name.padEnd(18)} ${task.status}`);
    }
    if (run.run.finished_at !== null) return run;
    if (Date.now() > deadline) throw new Error(`analytics run ${runId} still running after ${timeoutSeconds} s`);
    await delay(RUN_POLL_MS);
  }
}
