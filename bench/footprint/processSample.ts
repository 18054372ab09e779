import { readFile } from 'node:fs/promises';

/** Linux clock ticks per second for /proc stat times (sysconf CLK_TCK is 100 on every Linux we run on). */
const CLOCK_TICKS_PER_S = 100;

export interface ProcessSample {
  /** CPU seconds (user + system) the process used so far. */
  cpuSeconds: number;
  rssMb: number;
}

/** CPU time and resident memory of a process, from /proc (Linux). */
export async function sampleProcess(pid: number): Promise<ProcessSample> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
  // Fields after the command name (which may hold spaces) start after the last ')'; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds, rssMb: rssKb / 1024 };
}
