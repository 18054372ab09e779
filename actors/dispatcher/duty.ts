import type { Config } from '../../runtime/config.js';
import type { Logger } from '../../runtime/logger.js';
import type { Runtime } from '../node/context.js';
import type { DispatchEvent } from '../state/dispatchEvents.js';

/** One periodic duty of the dispatcher: a transaction (or a few) over durable state per tick. */
export interface DispatcherDuty {
  name: string;
  /** Time between ticks while the duty finds work. */
  intervalMs: (config: Config) => number;
  /** The longest it waits after ticks that found nothing (the interval doubles up to it). */
  idleMaxMs: (config: Config) => number;
  /** Events after which it ticks at once (see dispatchEvents.ts). */
  wokenBy: readonly DispatchEvent[];
  /** One round of the duty; says whether it found work. */
  tick: (rt: Runtime, log: Logger) => Promise<boolean>;
}
