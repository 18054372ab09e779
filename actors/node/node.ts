import { DispatcherActor } from '../dispatcher/dispatcher.js';
import { HeartbeatActor } from '../heartbeat/heartbeat.js';
import { PublisherActor } from '../publisher/publisher.js';
import { QueueConsumerActor } from '../consumer/queueConsumer.js';
import { WorkerActor } from '../worker/worker.js';
import { SinkActor } from '../sink/sink.js';
import { JanitorActor } from '../janitor/janitor.js';
import { QueryActor } from '../query/queryActor.js';
import { GatewayActor } from '../gateway/gateway.js';
import type { Runtime } from './context.js';
import { Supervisor, type SupervisorOptions } from '../../runtime/supervisor.js';
import type { Role } from './roles.js';


/**
 * The actors of one process for the chosen roles, in start order. Stop runs in reverse: the queue
 * consumer stops taking wake-ups, the worker drains or hands back, the heartbeat keeps leases alive
 * until then, and the publisher sends the hand-backs' wake-ups before the dispatcher stops. The
 * gateway stops before the query actor, so the queries of in-flight requests still run.
 */
export function buildSupervisor(rt: Runtime, roles: readonly Role[], options: Partial<SupervisorOptions> = {}): Supervisor {
  const supervisor = new Supervisor({ log: rt.log.child({ component: 'supervisor' }), ...options });
  if (roles.includes('dispatcher')) supervisor.add({ name: 'dispatcher', create: () => new DispatcherActor(rt) });
  if (roles.includes('publisher')) supervisor.add({ name: 'publisher', create: () => new PublisherActor(rt) });
  if (roles.includes('heartbeat')) supervisor.add({ name: 'heartbeat', create: () => new HeartbeatActor(rt) });
  if (roles.includes('janitor')) supervisor.add({ name: 'janitor', create: () => new JanitorActor(rt) });
  if (roles.includes('worker')) supervisor.add({ name: 'worker', create: () => new WorkerActor(rt) });
  if (roles.includes('sink')) supervisor.add({ name: 'sink', create: () => new SinkActor(rt) });
  // The gateway sends its queries to the query actor of its own process, so it brings one along.
  if (roles.includes('query') || roles.includes('gateway')) supervisor.add({ name: 'query', create: () => new QueryActor(rt) });
  if (roles.includes('gateway')) {
    const queryActor = () => {
      const actor = supervisor.actor('query');
      return actor instanceof QueryActor ? actor : undefined;
    };
    supervisor.add({ name: 'gateway', create: () => new GatewayActor(rt, queryActor) });
  }
  // Last to start, first to stop: it feeds the actors above through the wake-up mailbox.
  if (roles.includes('worker') || roles.includes('sink')) {
    supervisor.add({ name: 'queue-consumer', create: () => new QueueConsumerActor(rt) });
  }
  return supervisor;
}
