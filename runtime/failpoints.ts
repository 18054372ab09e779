/**
 * Named fault-injection points for tests that force an interleaving. Code calls
 * `await failpoint(name, context)` where a crash or a race matters (between a side effect and its
 * bookkeeping); an unarmed point returns undefined at once. Points are armed only by tests: in
 * process with `armFailpoint` / `pauseAt`, or for a child process through the test-only variable
 * TRACE_TEST_FAILPOINTS (`name=crash` kills the process with SIGKILL, `name=throw` throws,
 * `name=stall<ms>` blocks the event loop that long, as a runaway synchronous loop would, `name=exit`
 * ends the pool thread that runs the point's job (see `threadExitArmed`); `*N` limits it to N hits,
 * e.g. `publisher.afterPublish=throw*1`). A fault-injection suite that wants a
 * fault at a moment and point of its choosing sets TRACE_TEST_FAILPOINTS_ON_SIGUSR2 to a file: each
 * time the process receives SIGUSR2 it arms what the file says then, in the same syntax.
 */
import { readFileSync } from 'node:fs';

export type FailpointAction = 'throw' | 'crash' | 'exit' | { stallMs: number };

/**
 * Safeguards a test may switch off (`name=skip` in TRACE_TEST_FAILPOINTS) to reintroduce the bug
 * each prevents, and prove that the fault-injection suite's checker catches it.
 */
export type Safeguard = 'hotRows.deleteBeforeCopy' | 'leaseReaper.reap' | 'queryCache.discardFailedWrite' | 'outputs.recordStagedBeforePut' | 'syncJobs.detectReorgs';

/** What the code at a point says about where it is (task id, range, key…), for `when` filters. */
export type FailpointContext = Readonly<Record<string, unknown>>;

interface Armed {
  hit(context: FailpointContext): Promise<void> | undefined;
}

/** A test's hold on a paused point. */
export interface PauseHandle {
  /** Resolves with the context of the first hit that paused. */
  readonly reached: Promise<FailpointContext>;
  /** Lets every paused caller go on; later hits pass (the point is disarmed). */
  release(): void;
}

export class FailpointError extends Error {
  override name = 'FailpointError';
}

const armed = new Map<string, Armed>();
const skippedSafeguards = new Set<string>();
/** Points armed with `exit`: hits left. Armed in the main thread, which tells the pool thread to die. */
const threadExits = new Map<string, number>();

function parse(spec: string | undefined): void {
  for (const entry of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const skip = /^([\w.]+)=skip$/.exec(entry);
    if (skip) {
      skippedSafeguards.add(skip[1]!);
      continue;
    }
    const match = /^([\w.]+)=(throw|crash|exit|stall(\d+))(?:\*(\d+))?$/.exec(entry);
    if (!match) throw new Error(`bad TRACE_TEST_FAILPOINTS entry ${entry}: expected name=throw|crash|exit|stall<ms>[*N] or name=skip`);
    const action: FailpointAction = match[3] !== undefined ? { stallMs: Number(match[3]) } : (match[2] as 'throw' | 'crash' | 'exit');
    armFailpoint(match[1]!, action, match[4] ? Number(match[4]) : Number.POSITIVE_INFINITY);
  }
}

/** Blocks this thread (timers, I/O callbacks, heartbeats and all) for `ms`. */
function stallEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Arms `name` to throw, crash the process, stall its event loop or end a pool thread, for its next `times` hits. */
export function armFailpoint(name: string, action: FailpointAction, times = Number.POSITIVE_INFINITY): void {
  if (action === 'exit') {
    threadExits.set(name, times);
    return;
  }
  let remaining = times;
  armed.set(name, {
    hit() {
      if (remaining <= 0) return undefined;
      remaining -= 1;
      if (action === 'crash') process.kill(process.pid, 'SIGKILL');
      if (typeof action === 'object') {
        stallEventLoop(action.stallMs);
        return undefined;
      }
      throw new FailpointError(`failpoint ${name}`);
    },
  });
}

/**
 * Holds the callers that hit `name` (those `when` accepts, `times` of them) until `release()`: the
 * test runs whatever should happen meanwhile, then lets them go.
 */
export function pauseAt(name: string, options: { times?: number; when?: (context: FailpointContext) => boolean } = {}): PauseHandle {
  let remaining = options.times ?? 1;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reach!: (context: FailpointContext) => void;
  const reached = new Promise<FailpointContext>((resolve) => (reach = resolve));
  armed.set(name, {
    hit(context) {
      if (remaining <= 0 || (options.when && !options.when(context))) return undefined;
      remaining -= 1;
      reach(context);
      return released;
    },
  });
  return {
    reached,
    release() {
      disarmFailpoint(name);
      release();
    },
  };
}

export function disarmFailpoint(name: string): void {
  armed.delete(name);
}

/** Whether a test switched this safeguard off (then the caller behaves as the bug it prevents). */
export function safeguardSkipped(name: Safeguard): boolean {
  return skippedSafeguards.size > 0 && skippedSafeguards.has(name);
}

/**
 * Whether thread-exit point `name` is armed for this hit (the hit is used up). A pool thread gets
 * neither SIGUSR2 nor the main thread's armed points, so the main thread asks here and sends the
 * answer with the job; the thread then ends itself mid-job (runtime/threads/threadEntry.ts).
 */
export function threadExitArmed(name: string): boolean {
  const remaining = threadExits.get(name);
  if (remaining === undefined || remaining <= 0) return false;
  threadExits.set(name, remaining - 1);
  return true;
}

/** A fault-injection point: nothing unless a test armed it (then it throws, crashes, or pauses the caller). */
export function failpoint(name: string, context: FailpointContext = {}): Promise<void> | undefined {
  return armed.size === 0 ? undefined : armed.get(name)?.hit(context);
}

parse(process.env.TRACE_TEST_FAILPOINTS);
const armedOnSignal = process.env.TRACE_TEST_FAILPOINTS_ON_SIGUSR2;
if (armedOnSignal) process.on('SIGUSR2', () => parse(readFileSync(armedOnSignal, 'utf8')));
