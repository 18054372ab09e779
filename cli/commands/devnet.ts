import type { Command } from 'commander';
import { DEVNET_DEFAULTS } from '../../drivers/devnet/devnetDefaults.js';
import { positiveInt } from '../userInput.js';

interface DevnetCommandOptions {
  port?: number;
  seed: number;
  blocks: number;
  accounts: number;
  out?: string;
  json?: boolean;
}

export function registerDevnet(program: Command): void {
  program
    .command('devnet')
    .description('start a seeded Monad-like devnet (anvil on loopback, chain id 10143); runs until SIGINT/SIGTERM')
    .option('--port <port>', 'loopback port (default: a free one)', positiveInt)
    .option('--seed <n>', 'workload seed', (v) => Number(v), DEVNET_DEFAULTS.seed)
    .option('--blocks <n>', 'blocks to seed', positiveInt, DEVNET_DEFAULTS.blocks)
    .option('--accounts <n>', 'funded accounts (>= 30)', positiveInt, DEVNET_DEFAULTS.accounts)
    .option('--out <file>', 'write the JSON description here once seeded')
    .option('--json', 'print the JSON description on stdout')
    .action(async (opts: DevnetCommandOptions) => {
      const [{ loadConfig }, { runDevnetCommand }] = await Promise.all([import('../../runtime/config.js'), import('../../drivers/devnet/devnet.js')]);
      process.exitCode = await runDevnetCommand({ dataDir: loadConfig().dataDir, ...opts });
    });
}
