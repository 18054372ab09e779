/**
 * CPU seconds spent during a round by this process (every thread: the node's actors and its pool
 * threads), by the devnet's anvil and by the node's embedded S3 server (a child process), so the
 * JSON can say how much of the two cores a round needed beside its wall time. PostgreSQL's
 * backends are not counted (they come and go with the pools' connections).
 */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every Linux the bench runs on. */
const CLOCK_TICKS_PER_S = 100;

export interface CpuSeconds {
  node: number;
  anvil: number;
  s3: number;
}

/** User + system CPU seconds of process `pid` so far (fields 14 and 15 of /proc/<pid>/stat); 0 where there is no /proc. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** CPU seconds this process, anvil and the S3 server (each 0 when its pid is not given) spend from the meter's creation until `stop()`. */
export class CpuMeter {
  private readonly node = process.cpuUsage();
  private readonly anvil: number;
  private readonly s3: number;

  constructor(private readonly pids: { anvil?: number | undefined; s3?: number | undefined }) {
    this.anvil = seconds(pids.anvil);
    this.s3 = seconds(pids.s3);
  }

  stop(): CpuSeconds {
    const used = process.cpuUsage(this.node);
    return { node: (used.user + used.system) / 1e6, anvil: seconds(this.pids.anvil) - this.anvil, s3: seconds(this.pids.s3) - this.s3 };
  }
}

function seconds(pid: number | undefined): number {
  return pid === undefined ? 0 : processCpuSeconds(pid);
}
