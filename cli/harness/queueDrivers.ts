/** The queue drivers the harness runs the services with (TRACE_QUEUE_DRIVER), one full run each. */
import { QUEUE_DRIVERS, type QueueDriverName } from '../../runtime/config.js';

/** `pgqueue,nats` → the drivers, in order; throws naming an unknown one. */
export function parseQueueDrivers(text: string): QueueDriverName[] {
  const names = text.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(QUEUE_DRIVERS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new Error(`unknown queue driver(s) ${unknown.join(', ') || '(none given)'}; drivers are ${QUEUE_DRIVERS.join(', ')}`);
  return names as QueueDriverName[];
}
