/**
 * Postgres connections in use during a round, sampled from pg_stat_activity: every Trace process
 * names its connections `trace-lite <pid> [purpose]` (drivers/postgres/postgres.ts), so they are
 * counted per process and per purpose (pool, listen, wake-ups, query). Peaks are over the samples.
 */
import pg from 'pg';

/** The benchmark's own connections (this sampler's and its state reads), left out of the counts. */
export const BENCH_APPLICATION_NAME = 'trace-lite bench scale';
/** Fine enough to catch a pool's short bursts, light enough (one small query) for 2 cores. */
const SAMPLE_MS = 100;

export interface ConnectionFigures {
  /** Most connections to the round's database open at once, and most of them running a statement. */
  peak_open: number;
  peak_active: number;
  /** Most connections open at once by one process, by process name. */
  peak_open_by_process: Record<string, number>;
  /** Most connections open at once by purpose, summed over processes (pool = the main pool). */
  peak_open_by_purpose: Record<string, number>;
}

interface Row {
  application_name: string;
  open: number;
  active: number;
}

export class ConnectionSampler {
  private readonly client: pg.Client;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private readonly figures: ConnectionFigures = { peak_open: 0, peak_active: 0, peak_open_by_process: {}, peak_open_by_purpose: {} };

  /** `processes`: pid → the name to report it under. */
  constructor(
    serverUrl: string,
    private readonly database: string,
    private readonly processes: ReadonlyMap<number, string>,
  ) {
    this.client = new pg.Client({ connectionString: serverUrl, application_name: BENCH_APPLICATION_NAME });
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.timer = setInterval(() => (this.sampling = this.sampling.then(() => this.sample())), SAMPLE_MS);
  }

  async stop(): Promise<ConnectionFigures> {
    clearInterval(this.timer);
    await this.sampling;
    await this.client.end();
    return this.figures;
  }

  private async sample(): Promise<void> {
    const { rows } = await this.client.query<Row>(
      `SELECT application_name, count(*)::int AS open, count(*) FILTER (WHERE state = 'active')::int AS active
         FROM pg_stat_activity WHERE datname = $1 AND application_name <> $2 GROUP BY application_name`,
      [this.database, BENCH_APPLICATION_NAME],
    );
    const f = this.figures;
    f.peak_open = Math.max(f.peak_open, rows.reduce((n, r) => n + r.open, 0));
    f.peak_active = Math.max(f.peak_active, rows.reduce((n, r) => n + r.active, 0));
    const byProcess = new Map<string, number>();
    const byPurpose = new Map<string, number>();
    for (const r of rows) {
      const [, pid, purpose = 'pool'] = /^trace-lite (\d+)(?: (.+))?$/.exec(r.application_name) ?? [];
      const name = pid === undefined ? r.application_name || '(unnamed)' : (this.processes.get(Number(pid)) ?? `pid ${pid}`);
      byProcess.set(name, (byProcess.get(name) ?? 0) + r.open);
      byPurpose.set(purpose, (byPurpose.get(purpose) ?? 0) + r.open);
    }
    for (const [name, n] of byProcess) f.peak_open_by_process[name] = Math.max(f.peak_open_by_process[name] ?? 0, n);
    for (const [purpose, n] of byPurpose) f.peak_open_by_purpose[purpose] = Math.max(f.peak_open_by_purpose[purpose] ?? 0, n);
  }
}
