import { workerData } from 'node:worker_threads';
import type { ThreadJobTable } from './threadJobTable.js';

let table: Promise<ThreadJobTable> | undefined;

/** Piscina entry point: loads the pool's job table once per thread and runs a job by name. */
export default async function runThreadJob({ kind, input }: { kind: string; input: never }): Promise<unknown> {
  table ??= import((workerData as { jobs: string }).jobs).then((module: { threadJobs: ThreadJobTable }) => module.threadJobs);
  const job = (await table)[kind];
  if (!job) throw new Error(`unknown thread job kind ${kind}`);
  return job(input);
}
