import type { OpenedObjectStore } from './embeddedS3.js';
import type { ObjectStore } from './objectStore.js';

/**
 * Opens the object store on first use: commands that never touch objects (status, task submit)
 * do not pay for starting the embedded S3 server. A failed open is retried on the next use.
 */
export class LazyObjectStore {
  private opening: Promise<OpenedObjectStore> | undefined;

  constructor(private readonly open: () => Promise<OpenedObjectStore>) {}

  async get(): Promise<ObjectStore> {
    return (await this.opened()).store;
  }

  opened(): Promise<OpenedObjectStore> {
    this.opening ??= this.open();
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  async close(): Promise<void> {
    const opened = await this.opening?.catch(() => undefined);
    this.opening = undefined;
    if (!opened) return;
    opened.store.close();
    await opened.stop();
  }
}
