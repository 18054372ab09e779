import type { ExecutionContext } from 'ava';
import { GatewayActor } from '../../actors/gateway/gateway.js';
import type { ConfigInput } from '../../runtime/config.js';
import { createInstallation, type TestInstallation } from './installation.js';
import { startNode, type TestNode } from './node.js';

export interface TestGateway {
  base: string;
  port: number;
  node: TestNode;
  inst: TestInstallation;
}

/** The error body of every failed request. */
export interface ErrorBody {
  error: { reason: string; message: string };
}

/**
 * A node with the gateway role on a free port, over its own installation (stopped and dropped at
 * teardown); `url` points the node at another database than the installation's.
 */
export async function startGateway(t: ExecutionContext, overrides: ConfigInput = {}, url?: string): Promise<TestGateway> {
  const inst = await createInstallation(t, overrides);
  const node = await startNode(t, url === undefined ? inst : { ...inst, url }, { roles: ['gateway'] });
  const gateway = node.supervisor.actor('gateway');
  if (!(gateway instanceof GatewayActor)) throw new Error('no gateway actor');
  const { port } = gateway.address();
  return { base: `http://127.0.0.1:${port}`, port, node, inst };
}

export async function postJson(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
