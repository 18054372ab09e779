import { Actor } from '../../runtime/actor.js';
import type { Runtime } from '../node/context.js';
import { buildGatewayApp, type GatewayApp } from './app.js';
import type { QueryActor } from '../query/queryActor.js';

export interface GatewayAddress {
  host: string;
  port: number;
}

/**
 * The HTTP API (src/gateway/app.ts) on httpHost:httpPort: listens in onStart, and on stop refuses
 * new requests (503) while in-flight ones finish. Queries go through the query actor of the same
 * process, which decides admission.
 */
export class GatewayActor extends Actor<never> {
  private app: GatewayApp | undefined;
  private bound: GatewayAddress | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly queryActor: () => QueryActor | undefined,
  ) {
    super('gateway', rt.log.child({ actor: 'gateway' }));
  }

  /** Where the server listens (the real port when httpPort is 0). */
  address(): GatewayAddress {
    if (this.bound === undefined) throw new Error('the gateway is not listening');
    return this.bound;
  }

  protected override async onStart(): Promise<void> {
    const app = buildGatewayApp({ rt: this.rt, log: this.log, queryActor: this.queryActor });
    this.app = app;
    const { httpHost, httpPort } = this.rt.config;
    await app.listen({ host: httpHost, port: httpPort });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error(`gateway bound to an unexpected address ${String(address)}`);
    this.bound = { host: address.address, port: address.port };
    this.log.info({ ...this.bound, url: `http://${httpHost.includes(':') ? `[${httpHost}]` : httpHost}:${address.port}/` }, 'gateway serving');
  }

  protected override async onStop(): Promise<void> {
    await this.app?.close();
  }
}
