/**
 * How long a poller waits before looking again: `baseMs` while it finds work, doubling each time
 * it finds nothing up to `maxMs`, and back to `baseMs` as soon as it finds work or is woken. An idle
 * process then costs a query every `maxMs`, while a busy one keeps its short interval.
 */
export class IdleBackoff {
  private waitMs: number;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {
    this.waitMs = baseMs;
  }

  /** The wait before the next look, after one that found work or not. */
  next(foundWork: boolean): number {
    this.waitMs = foundWork ? this.baseMs : Math.min(this.maxMs, this.waitMs * 2);
    return this.waitMs;
  }

  /** Back to the short interval (an event says there is work). */
  reset(): void {
    this.waitMs = this.baseMs;
  }
}
