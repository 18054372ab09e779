import pg from 'pg';
import { PgListener } from '../postgres/pgListener.js';
import type { NoticeSource } from './queueWakeups.js';
import { connectionName } from '../postgres/postgres.js';

/** pgqueue's notices: NOTIFY on the installation's queue channel, heard on one LISTEN connection. */
export class PgNotices implements NoticeSource {
  private readonly listener: PgListener;
  private subscribed: Promise<unknown> | undefined;

  constructor(
    url: string,
    private readonly channel: string,
  ) {
    this.listener = new PgListener(() => new pg.Client({ connectionString: url, application_name: connectionName('wake-ups') }));
  }

  async listen(onNotice: (payload: string) => void): Promise<void> {
    this.subscribed ??= this.listener.subscribe(this.channel, onNotice);
    await this.subscribed;
    await this.listener.ready();
  }

  async close(): Promise<void> {
    await this.listener.close();
  }
}
