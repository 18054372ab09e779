import type { Command } from 'commander';
import { positiveInt } from '../userInput.js';

/** The demo's schemas are its own (`trace_demo_*`), reset on every run so it always starts clean. */
const DEMO_DEFAULTS = { blocks: 500, followBlocks: 5, topN: 10, topK: 5, out: 'trace-lite-report', schemaPrefix: 'trace_demo_' } as const;

interface DemoCommandOptions {
  blocks: number;
  rpc?: string;
  fullHistory?: boolean;
  token?: string;
  followBlocks: number;
  traces?: boolean;
  top: number;
  k: number;
  out: string;
  schemaPrefix: string;
}

export function registerDemo(program: Command): void {
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
    .action(async (opts: DemoCommandOptions) => {
      const { runDemo } = await import('../demo/runDemo.js');
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
}
