import { workerData, type MessagePort } from 'node:worker_threads';
import type { ThreadJobMessage, ThreadJobTable } from './threadJobTable.js';

let table: Promise<ThreadJobTable> | undefined;

/** What the pool gives every thread it starts (ThreadPool's constructor). */
interface ThreadData {
  jobs: string;
  /** Test-only (threadPool.ts THREAD_START_FAILS_POINT): the thread fails as it starts, before it can take a job. */
  failAtStart: boolean;
}
const data = workerData as ThreadData;
if (data.failAtStart) throw new Error('the pool thread failed as it started (failpoint)');

/** The exit code of a thread that a test failpoint ended (threadPool.ts THREAD_EXIT_POINT). */
const FAILPOINT_EXIT_CODE = 70;

/** A signal that aborts when the pool posts on the job's abort port (ThreadPool.run); none without a port. */
function abortSignalOf(port: MessagePort | undefined): AbortSignal | undefined {
  if (!port) return undefined;
  const controller = new AbortController();
  port.once('message', (reason: unknown) => controller.abort(reason));
  return controller.signal;
}

/** Piscina entry point: loads the pool's job table once per thread and runs a job by name. */
export default async function runThreadJob({ kind, input, abort, exitMidJob }: ThreadJobMessage): Promise<unknown> {
  table ??= import(data.jobs).then((module: { threadJobs: ThreadJobTable }) => module.threadJobs);
  const job = (await table)[kind] as ((input: unknown, signal?: AbortSignal) => unknown) | undefined;
  if (!job) throw new Error(`unknown thread job kind ${kind}`);
  try {
    const running = job(input, abortSignalOf(abort));
    // The job runs up to its first await; process.exit in a worker thread ends that thread only.
    if (exitMidJob) process.exit(FAILPOINT_EXIT_CODE);
    return await running;
  } finally {
    abort?.close();
  }
}
