import { Actor } from '../../runtime/actor.js';
import { isTransientDatabaseError } from '../../drivers/postgres/transientErrors.js';
import type { Runtime } from '../node/context.js';
import { dispatchChannel } from '../state/dispatchEvents.js';
import { compactionPlanner } from './compactionPlanner.js';
import type { DispatcherDuty } from './duty.js';
import { headPoller } from './headPoller.js';
import { leaseReaper } from './leaseReaper.js';
import { lostWakeupSweeper } from './lostWakeupSweeper.js';
import { pendingBatchSweeper } from './pendingBatchSweeper.js';
import { retryScheduler } from './retryScheduler.js';
import { syncPlanner } from './syncPlanner.js';
import { tipFollower } from './tipFollower.js';

/** The dispatcher's duties, each in its own module with its interval and why. */
export const DISPATCHER_DUTIES: readonly DispatcherDuty[] = [
  leaseReaper,
  retryScheduler,
  lostWakeupSweeper,
  pendingBatchSweeper,
  syncPlanner,
  headPoller,
  tipFollower,
  compactionPlanner,
];

/**
 * Runs the dispatcher's durable duties, each a periodic transaction over state. A duty that finds
 * nothing backs off to its idle interval, and events (NOTIFY on the dispatch channel: a job
 * applied, a range ended, a retry scheduled) wake the duties they concern, so an idle node sleeps. Task creation (run
 * submission) is the same TaskStore call from every entry point. Any number of dispatchers may
 * run: each duty locks its rows with SKIP LOCKED. A transient database error (deadlock, dropped
 * connection, restart) is retried with backoff; only a programming error crashes the actor.
 */
export class DispatcherActor extends Actor<never> {
  constructor(private readonly rt: Runtime) {
    super('dispatcher', rt.log.child({ actor: 'dispatcher' }));
  }

  protected override async onStart(): Promise<void> {
    const { config, listener, schemas } = this.rt;
    for (const duty of DISPATCHER_DUTIES) {
      const log = this.log.child({ duty: duty.name });
      this.every(duty.intervalMs(config), () => duty.tick(this.rt, log), {
        isTransient: isTransientDatabaseError,
        idleMaxMs: duty.idleMaxMs(config),
        name: duty.name,
      });
    }
    const unsubscribe = await listener.subscribe(dispatchChannel(schemas), (event) => {
      const woken = DISPATCHER_DUTIES.filter((d) => (d.wokenBy as readonly string[]).includes(event));
      if (woken.length > 0) this.wakeTicks(...woken.map((d) => d.name));
    });
    this.stopSignal.addEventListener('abort', unsubscribe, { once: true });
  }
}
