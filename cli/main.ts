#!/usr/bin/env node
/**
 * The `trace-lite` program: each command registers itself from its module under commands/ and loads
 * what it runs on (the runtime, the devnet, DuckDB, the actors) only when it runs, so `--help` stays fast.
 */
import { Command } from 'commander';
import { registerApply } from './commands/apply.js';
import { registerChaos } from './commands/chaos.js';
import { registerCompact } from './commands/compact.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDemo } from './commands/demo.js';
import { registerDevnet } from './commands/devnet.js';
import { registerExport } from './commands/export.js';
import { registerHarness } from './commands/harness.js';
import { registerMigrate } from './commands/migrate.js';
import { registerOutboxUnpark } from './commands/outboxUnpark.js';
import { registerPauseResume } from './commands/pauseResume.js';
import { registerQuery } from './commands/query.js';
import { registerQueue } from './commands/queue.js';
import { registerRetry } from './commands/retry.js';
import { registerRun } from './commands/run.js';
import { registerStatus } from './commands/status.js';
import { registerTask } from './commands/task.js';
import { registerTemplates } from './commands/templates.js';
import { registerUp } from './commands/up.js';
import { registerVerify } from './commands/verify.js';
import { isUsageError } from './usageError.js';

const program = new Command('trace-lite')
  .description('Trace Lite: leased, fenced tasks over Postgres state, an outbox and a Postgres queue')
  .showHelpAfterError();

/** In the order `--help` lists them. */
const COMMANDS = [
  registerUp,
  registerDevnet,
  registerDemo,
  registerChaos,
  registerMigrate,
  registerStatus,
  registerApply,
  registerPauseResume,
  registerRetry,
  registerDatasets,
  registerExport,
  registerVerify,
  registerCompact,
  registerQuery,
  registerTemplates,
  registerTask,
  registerRun,
  registerQueue,
  registerOutboxUnpark,
  registerHarness,
];
for (const register of COMMANDS) register(program);

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`trace-lite: ${(err as Error).message}\n`);
  process.exitCode = (await isUsageError(err)) ? 2 : 1;
}
