/** A mistake in what the user asked for: the CLI says why and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Whether `err` is the user's mistake (bad input, config, run or job file, an unknown job: exit 2)
 * rather than a failure (exit 1). The error classes load only when there is an error to classify.
 */
export async function isUsageError(err: unknown): Promise<boolean> {
  const [{ ConfigError }, { RunSpecError }, { SyncJobSpecError }, { UnknownJobError }] = await Promise.all([
    import('../runtime/config.js'),
    import('../actors/state/tasks/runSpec.js'),
    import('../actors/state/syncJobSpec.js'),
    import('../actors/state/syncJobs.js'),
  ]);
  return (
    err instanceof UsageError ||
    err instanceof ConfigError ||
    err instanceof RunSpecError ||
    err instanceof SyncJobSpecError ||
    err instanceof UnknownJobError
  );
}
