/**
 * The queue drivers the harness runs the services with (TRACE_QUEUE_DRIVER), one full run each.
 * A build whose configuration has no queue driver setting runs pgqueue whatever the variable says,
 * so any other driver is refused there rather than reported as passing.
 */
import { loadConfig, type Config } from '../../runtime/config.js';

export const QUEUE_DRIVERS = ['pgqueue', 'nats'] as const;
export type QueueDriverName = (typeof QUEUE_DRIVERS)[number];
/** What a configuration without the setting runs. */
const DEFAULT_DRIVER: QueueDriverName = 'pgqueue';

/** `pgqueue,nats` → the drivers, in order; throws naming an unknown one. */
export function parseQueueDrivers(text: string): QueueDriverName[] {
  const names = text.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(QUEUE_DRIVERS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new Error(`unknown queue driver(s) ${unknown.join(', ') || '(none given)'}; drivers are ${QUEUE_DRIVERS.join(', ')}`);
  return names as QueueDriverName[];
}

/** Throws unless a service given TRACE_QUEUE_DRIVER=`driver` runs it. */
export function checkQueueDriver(driver: QueueDriverName): void {
  const config: Config & { queueDriver?: string } = loadConfig({ TRACE_QUEUE_DRIVER: driver });
  const configured = config.queueDriver ?? DEFAULT_DRIVER;
  if (configured !== driver) {
    throw new Error(`the services would run ${configured}, not ${driver}: this build's configuration has no TRACE_QUEUE_DRIVER setting for it`);
  }
}
