/**
 * A reorg at the tip timed while ranges that cover it are in flight: the run follows the head of a
 * devnet that keeps producing blocks (cli/chaos/producingChain.ts); once an attempt runs a range
 * reaching near the tip while another range holding some of those blocks is registered already, the
 * devnet replaces the blocks from the running range's first produced block to the tip with another
 * fork. The running range was (or is being) read from the fork that is gone, and the registered one
 * was: the reorg must be found and both read again. Each reorg waits for a block mined after the last.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { ChaosContext, FaultKind } from './faultKind.js';

const SQL = loadStatements('harness/chaos.sql', ['rangesInFlight', 'versionsReaching'] as const);

/**
 * Deepest reorg: 4 blocks from the tip (5 when a block is mined meanwhile), under a 5-block range,
 * so one reorg hits the ranges in flight at the tip rather than rewriting half the chain (the tip
 * follower looks 64 blocks deep).
 */
const MAX_DEPTH = 4;
/** A 5-block range takes ~0.2 s: looking every 20 ms catches one in flight. */
const POLL_MS = 20;
/**
 * After this long with no range in flight near the tip, the tip is reorganised anyway: the sync
 * reaches the tip once past the seeded blocks (~25 s for 24 of them at load 14).
 */
const WAIT_MS = 30_000;

export const tipReorg: FaultKind = {
  name: 'tip_reorg',
  summary: 'a reorg at the tip of a producing devnet, timed while a range covering it is in flight',
  producingChain: true,
  async inject(ctx) {
    const chain = ctx.chain;
    if (chain === undefined) throw new Error('tip_reorg needs the run to follow a producing devnet');
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const tip = chain.tip;
      const lowest = Math.max(chain.seededLast + 1, tip - MAX_DEPTH + 1);
      const hit = await inFlightHit(ctx, lowest).catch(() => undefined); // the database may be briefly unreachable: look again
      if (tip > chain.lastReorgTip && (hit !== undefined || (Date.now() > deadline && tip >= lowest))) {
        const from = hit?.from ?? Math.max(lowest, tip);
        const tipNow = await chain.reorg(from);
        const what = hit === undefined ? 'no range in flight near the tip' : `${hit.range} in flight, ${hit.registered} version(s) registered from block ${from}`;
        return `reorg of blocks ${from}..${tipNow} (${what})`;
      }
      await delay(POLL_MS);
    }
  },
};

/**
 * The range in flight longest (the likeliest to have read the fork about to go) that reaches past
 * `lowest`, with the block a reorg hitting it starts at, when some registered version holds blocks
 * from there on.
 */
async function inFlightHit(ctx: ChaosContext, lowest: number): Promise<{ range: string; from: number; registered: number } | undefined> {
  const inFlight = (await ctx.db.query<{ stream_key: string; range_start: number; range_end: number }>(SQL.rangesInFlight)).rows.find((r) => r.range_end > lowest);
  if (inFlight === undefined) return undefined;
  const from = Math.max(lowest, inFlight.range_start);
  const registered = (await ctx.db.query<{ versions: number }>(SQL.versionsReaching, [from])).rows[0]!.versions;
  return registered > 0 ? { range: `${inFlight.stream_key} [${inFlight.range_start}, ${inFlight.range_end})`, from, registered } : undefined;
}
