/**
 * Runs long work that starts processes with SIGINT/SIGTERM turned into an orderly stop. The first
 * signal aborts the signal of every work in progress (for steps that can stop early, such as
 * seeding a devnet), runs their cleanups innermost first (stop every process started, drop what
 * was created) and exits 130; a second signal exits at once. A cleanup also runs when its work ends
 * either way, so it must be idempotent. Works may nest (a benchmark round inside the benchmark).
 */
interface Scope {
  cleanup: () => Promise<unknown>;
  interrupted: AbortController;
}

const scopes: Scope[] = [];
let stopping = false;

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) process.exit(130);
  stopping = true;
  process.stderr.write(`\n${signal}: stopping everything this run started…\n`);
  const reason = new Error(`interrupted by ${signal}`);
  for (const scope of scopes) scope.interrupted.abort(reason);
  void (async () => {
    for (const scope of [...scopes].reverse()) await scope.cleanup().catch(() => undefined);
  })().finally(() => process.exit(130));
}

export async function withCleanup<T>(cleanup: () => Promise<unknown>, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const scope: Scope = { cleanup, interrupted: new AbortController() };
  if (scopes.length === 0) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  scopes.push(scope);
  try {
    return await work(scope.interrupted.signal);
  } finally {
    await cleanup();
    scopes.splice(scopes.indexOf(scope), 1);
    if (scopes.length === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
