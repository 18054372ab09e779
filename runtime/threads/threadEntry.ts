import { workerData } from 'node:worker_threads';
import type { ThreadJobTable } from './threadJobTable.js';

let table: Promise<ThreadJobTable> | undefined;

/** The exit code of a thread that a test failpoint ended (threadPool.ts THREAD_EXIT_POINT). */
const FAILPOINT_EXIT_CODE = 70;

export interface ThreadJobEnvelope {
  kind: string;
  input: never;
  /** Test-only: the thread ends itself once the job has started. */
  exitMidJob: boolean;
}

/** Piscina entry point: loads the pool's job table once per thread and runs a job by name. */
export default async function runThreadJob({ kind, input, exitMidJob }: ThreadJobEnvelope): Promise<unknown> {
  table ??= import((workerData as { jobs: string }).jobs).then((module: { threadJobs: ThreadJobTable }) => module.threadJobs);
  const job = (await table)[kind];
  if (!job) throw new Error(`unknown thread job kind ${kind}`);
  const running = job(input);
  // The job runs up to its first await; process.exit in a worker thread ends that thread only.
  if (exitMidJob) process.exit(FAILPOINT_EXIT_CODE);
  return running;
}
