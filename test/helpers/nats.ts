import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { openNatsLink } from '../../drivers/queue/nats/natsLink.js';
import { dropNatsNamespace } from '../../drivers/queue/nats/natsResources.js';
import { DEFAULT_NATS_URL } from '../../runtime/config.js';

/** The NATS server the tests use; .ci/run starts a local one with JetStream when none runs. */
export const TEST_NATS_URL = process.env.TRACE_NATS_URL || DEFAULT_NATS_URL;

const reachable = new Map<string, Promise<void>>();

/** Fails the test, never skips it, when no NATS server with JetStream answers (the error says how to start one). */
function requireNats(url: string): Promise<void> {
  let check = reachable.get(url);
  if (!check) {
    check = openNatsLink(url).then((link) => link.nc.close());
    reachable.set(url, check);
  }
  return check;
}

/** Deletes the streams of a NATS namespace when the test ends (after the nodes and drivers using it stopped). */
export async function dropNatsNamespaceAtTeardown(t: ExecutionContext, namespace: string, url = TEST_NATS_URL): Promise<void> {
  await requireNats(url);
  t.teardown(() => dropNatsNamespace(url, namespace));
}

/** A namespace of its own for one test, so tests running at once never share a stream. */
export async function testNatsNamespace(t: ExecutionContext): Promise<string> {
  const namespace = `t${randomBytes(5).toString('hex')}`;
  await dropNatsNamespaceAtTeardown(t, namespace);
  return namespace;
}
