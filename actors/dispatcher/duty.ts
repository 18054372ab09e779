import type { Config } from '../../runtime/config.js';
import type { Logger } from '../../runtime/logger.js';
import type { Runtime } from '../node/context.js';

/** One periodic duty of the dispatcher: a transaction (or a few) over durable state per tick. */
export interface DispatcherDuty {
  name: string;
  /** Time between the end of one tick and the start of the next. */
  intervalMs: (config: Config) => number;
  tick: (rt: Runtime, log: Logger) => Promise<void>;
}
