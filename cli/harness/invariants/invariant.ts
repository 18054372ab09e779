/** One invariant as the harness reports it: whether it held, its figure, and what broke it. */
export interface Invariant {
  name: string;
  holds: boolean;
  /** What was measured, one line: "18 planned ranges, each registered once; 0 overlaps". */
  figure: string;
  /** The first few violations, each naming what broke (empty when it holds). */
  problems: string[];
}

/** Violations quoted per invariant: enough to find the cause, few enough to read. */
const QUOTED_PROBLEMS = 5;

export function invariant(name: string, figure: string, problems: readonly string[]): Invariant {
  const quoted = problems.slice(0, QUOTED_PROBLEMS);
  if (problems.length > QUOTED_PROBLEMS) quoted.push(`… and ${problems.length - QUOTED_PROBLEMS} more`);
  return { name, holds: problems.length === 0, figure, problems: quoted };
}

/** An invariant the run could not reach (an earlier step failed): it does not hold. */
export function notReached(name: string, why: string): Invariant {
  return { name, holds: false, figure: 'not checked', problems: [`not reached: ${why}`] };
}

/** An error as a reason: its first line (viem's and the launcher's messages go on for a page). */
export function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
