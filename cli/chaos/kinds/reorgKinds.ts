/**
 * A reorg at the tip timed while ranges that cover it are in flight: the run follows the head of a
 * devnet that keeps producing blocks (cli/chaos/producingChain.ts); once an attempt runs a range
 * reaching near the tip, the devnet replaces the blocks from that range's first produced block to
 * the tip with another fork. The range was (or is being) read from the fork that is gone.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { loadStatements } from '../../../drivers/postgres/sqlStatements.js';
import type { FaultKind } from './faultKind.js';

const SQL = loadStatements('harness/chaos.sql', ['rangesInFlight'] as const);

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
      const inFlight = await ctx.db.query<{ stream_key: string; range_start: number; range_end: number }>(SQL.rangesInFlight).then(
        (r) => r.rows.filter((range) => range.range_end > lowest),
        () => [], // the database may be briefly unreachable: look again
      );
      // The longest in flight: the likeliest to have read the fork that is about to go.
      const hit = inFlight[0];
      if (hit !== undefined || (Date.now() > deadline && tip >= lowest)) {
        const from = Math.max(lowest, hit?.range_start ?? tip);
        const tipNow = await chain.reorg(from);
        const what = hit === undefined ? 'no range in flight near the tip' : `${hit.stream_key} [${hit.range_start}, ${hit.range_end}) in flight`;
        return `reorg of blocks ${from}..${tipNow} (${what})`;
      }
      await delay(POLL_MS);
    }
  },
};
