/**
 * The suite's own embedded S3 server: a child process on one loopback port for the whole run, which
 * a fault may SIGKILL (by its pid) and restart on the same port over the same files.
 */
import { signal } from '../../drivers/postgres/embedded/processes.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../../drivers/store/embeddedS3.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export class OwnS3 {
  private constructor(
    private server: EmbeddedS3,
    private readonly dir: string,
    private readonly credentials: S3Credentials,
  ) {}

  static async start(dir: string, credentials: S3Credentials): Promise<OwnS3> {
    return new OwnS3(await startEmbeddedS3({ dataDir: dir, ...credentials }), dir, credentials);
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  get pid(): number {
    return this.server.pid;
  }

  /** SIGKILL: requests in flight are cut off. */
  kill(): number {
    const { pid } = this.server;
    signal(pid, 'SIGKILL');
    return pid;
  }

  async restart(): Promise<void> {
    const port = Number(new URL(this.server.endpoint).port);
    await this.server.stop(); // reaps the killed child
    this.server = await startEmbeddedS3({ dataDir: this.dir, ...this.credentials, port });
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
