import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { PoolJobInput, PoolJobKind, PoolJobOutput } from './jobs.js';

export interface RunOptions {
  /** ArrayBuffers in the input to move to the pool thread instead of copying; they are detached here afterwards. */
  transfer?: ArrayBuffer[];
  /** Aborting rejects the job with an AbortError and, if it already runs, ends its thread. */
  signal?: AbortSignal;
}

/** The process's thread pool for heavy work (decoding, compaction, queries). */
export class WorkerPool {
  private readonly piscina: Piscina;

  constructor(options: { maxThreads?: number } = {}) {
    const maxThreads = options.maxThreads ?? availableParallelism();
    this.piscina = new Piscina({
      filename: new URL('./poolWorker.js', import.meta.url).href,
      maxThreads,
      minThreads: 0,
      // Ingest jobs wait on RPC and S3 most of their time; letting a thread interleave 4 of them
      // overlaps that waiting (one task per thread serialised a devnet sync to ~8 blocks/s a stream).
      concurrentTasksPerWorker: 4,
      // Idle threads exit after 30 s, so an idle supervisor costs no thread memory.
      idleTimeout: 30_000,
    });
  }

  run<K extends PoolJobKind>(kind: K, input: PoolJobInput<K>, options: RunOptions = {}): Promise<PoolJobOutput<K>> {
    return this.piscina.run({ kind, input }, { transferList: options.transfer, signal: options.signal ?? null }) as Promise<
      PoolJobOutput<K>
    >;
  }

  get threads(): number {
    return this.piscina.threads.length;
  }

  async close(): Promise<void> {
    await this.piscina.close({ force: true });
  }
}
