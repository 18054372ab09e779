/**
 * Values `--help` shows whose home modules are too heavy to load for help: the node's actors, the
 * devnet (viem), the Postgres task store. Each is restated here typed as the original, whose literal
 * type makes tsc fail if the two ever differ.
 */
import type { ROLES } from '../actors/node/node.js';
import type { TASK_QUEUE } from '../actors/state/taskStore.js';
import type { DEVNET_DEFAULTS } from '../drivers/devnet/devnet.js';

export const NODE_ROLES: typeof ROLES = ['dispatcher', 'publisher', 'heartbeat', 'worker', 'sink', 'janitor', 'query', 'gateway'];

export const DEVNET_OPTION_DEFAULTS: typeof DEVNET_DEFAULTS = { seed: 1, blocks: 500, accounts: 300 };

export const TASK_QUEUE_NAME: typeof TASK_QUEUE = 'tasks';
