/**
 * Runs long work that starts processes with SIGINT/SIGTERM turned into an orderly stop. The first
 * signal aborts the signal of every work in progress (for steps that can stop early, such as
 * seeding a devnet), runs their cleanups innermost first (stop every process started, drop what
 * was created) and exits 130; a second signal exits at once. A cleanup also runs when its work ends
 * either way, so it must be idempotent. Works may nest (a benchmark round inside the benchmark).
 * Servers in a process group of their own register a synchronous kill for an exit that leaves them up.
 */
interface Scope {
  cleanup: () => Promise<unknown>;
  interrupted: AbortController;
}

const scopes: Scope[] = [];
const interruptedExitKills = new Set<() => void>();
let stopping = false;

/**
 * Registers a synchronous kill for a server that runs in a process group of its own (the terminal's
 * Ctrl-C does not reach it), run when an interrupted process exits with the server still up: a
 * second signal skipped the cleanups, or the server was still starting, so no cleanup knew of it.
 * Returns how to unregister it (once the server is stopped).
 */
export function killOnInterruptedExit(kill: () => void): () => void {
  interruptedExitKills.add(kill);
  return () => interruptedExitKills.delete(kill);
}

/** Exits 130 once every server no cleanup stopped (one still starting, or a second signal) is killed. */
function exitInterrupted(): never {
  for (const kill of interruptedExitKills) {
    try {
      kill();
    } catch {
      // already gone
    }
  }
  process.exit(130);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) exitInterrupted();
  stopping = true;
  process.stderr.write(`\n${signal}: stopping everything this run started…\n`);
  const reason = new Error(`interrupted by ${signal}`);
  for (const scope of scopes) scope.interrupted.abort(reason);
  void (async () => {
    for (const scope of [...scopes].reverse()) await scope.cleanup().catch(() => undefined);
  })().finally(exitInterrupted);
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
