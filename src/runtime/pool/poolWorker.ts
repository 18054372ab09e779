import { poolJobs, type PoolJobKind } from './jobs.js';

/** Piscina entry point: dispatches a job to its registered kind. */
export default function runPoolJob({ kind, input }: { kind: PoolJobKind; input: never }): unknown {
  const job = poolJobs[kind] as ((input: never) => unknown) | undefined;
  if (!job) throw new Error(`unknown pool job kind ${String(kind)}`);
  return job(input);
}
