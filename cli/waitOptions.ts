import type { Command } from 'commander';
import { positiveInt } from './userInput.js';

/** --wait gives up after an hour unless told otherwise: longer than any laptop-sized task or run should take. */
const WAIT_TIMEOUT_SECONDS = 3600;

/** `--wait` (described for this command) and its `--timeout`, for the commands that submit work. */
export function addWaitOptions(command: Command, waitDescription: string): Command {
  return command
    .option('--wait', waitDescription)
    .option('--timeout <seconds>', 'with --wait, give up after this long', positiveInt, WAIT_TIMEOUT_SECONDS);
}
