/**
 * CPU seconds spent during a round by this process (every thread: the node's actors and its pool
 * threads), by the devnet's anvil and by the node's embedded S3 server (a child process), so the
 * JSON can say how much of the two cores a round needed beside its wall time. PostgreSQL's
 * backends are not counted (they come and go with the pools' connections).
 */
import { processCpuSeconds } from '../scale/cpu.js';

export interface CpuSeconds {
  node: number;
  anvil: number;
  s3: number;
}

interface Pids {
  anvil?: number | undefined;
  s3?: number | undefined;
}

/** CPU seconds this process, anvil and the S3 server (each 0 when its pid is not given) spend from `start` until `stop()`. */
export class CpuMeter {
  private constructor(
    private readonly pids: Pids,
    private readonly node: NodeJS.CpuUsage,
    private readonly anvil: number,
    private readonly s3: number,
  ) {}

  static async start(pids: Pids): Promise<CpuMeter> {
    return new CpuMeter(pids, process.cpuUsage(), await seconds(pids.anvil), await seconds(pids.s3));
  }

  async stop(): Promise<CpuSeconds> {
    const used = process.cpuUsage(this.node);
    return { node: (used.user + used.system) / 1e6, anvil: (await seconds(this.pids.anvil)) - this.anvil, s3: (await seconds(this.pids.s3)) - this.s3 };
  }
}

/** 0 where there is no such process (or no /proc). */
async function seconds(pid: number | undefined): Promise<number> {
  return pid === undefined ? 0 : ((await processCpuSeconds(pid)) ?? 0);
}
