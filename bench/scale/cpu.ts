/**
 * Where a round's CPU went, from /proc (Linux): seconds of CPU (user + system) each process used
 * between two readings, and how busy the whole machine was, which other users share.
 */
import { readFile } from 'node:fs/promises';

/** /proc/<pid>/stat counts in clock ticks; 100 a second on Linux builds for x86 and ARM. */
const TICKS_PER_SECOND = 100;

/** CPU seconds a process has used so far; undefined when it is gone or unreadable. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th field, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  busy: number;
  total: number;
}

/** Busy and total ticks of all cores since boot (the `cpu` line of /proc/stat). */
export async function machineCpu(): Promise<MachineCpu> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** The share of all cores that was busy between two readings. */
export function busyShare(before: MachineCpu, after: MachineCpu): number {
  const total = after.total - before.total;
  return total <= 0 ? 0 : (after.busy - before.busy) / total;
}
