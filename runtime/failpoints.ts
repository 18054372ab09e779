/**
 * Named fault-injection points for crash tests. Production code calls `failpoint(name)` at the
 * places where a crash matters (between a side effect and its bookkeeping); it does nothing unless
 * the point is armed, from TRACE_FAILPOINTS (`name=crash` kills the process with SIGKILL,
 * `name=throw` throws; `*N` limits it to N hits, e.g. `publisher.afterPublish=throw*1`) or from a test.
 */
export type FailpointAction = 'throw' | 'crash';

interface Armed {
  action: FailpointAction;
  remaining: number;
}

export class FailpointError extends Error {
  override name = 'FailpointError';
}

const armed = new Map<string, Armed>();

function parse(spec: string | undefined): void {
  for (const entry of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([\w.]+)=(throw|crash)(?:\*(\d+))?$/.exec(entry);
    if (!match) throw new Error(`bad TRACE_FAILPOINTS entry ${entry}: expected name=throw|crash[*N]`);
    armFailpoint(match[1]!, match[2] as FailpointAction, match[3] ? Number(match[3]) : Number.POSITIVE_INFINITY);
  }
}

export function armFailpoint(name: string, action: FailpointAction, times = Number.POSITIVE_INFINITY): void {
  armed.set(name, { action, remaining: times });
}

export function disarmFailpoint(name: string): void {
  armed.delete(name);
}

export function failpoint(name: string): void {
  const point = armed.get(name);
  if (!point || point.remaining <= 0) return;
  point.remaining -= 1;
  if (point.action === 'crash') process.kill(process.pid, 'SIGKILL');
  throw new FailpointError(`failpoint ${name}`);
}

parse(process.env.TRACE_FAILPOINTS);
