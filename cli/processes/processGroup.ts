/**
 * The processes one harness run or benchmark round started, stopped together in the reverse of
 * their start order (as `docker compose down` does): on success, on failure and on SIGINT.
 */
import type { ExitStatus, ManagedProcess } from './managedProcess.js';

export class ProcessGroup {
  private readonly members: ManagedProcess[] = [];

  add<T extends ManagedProcess>(process: T): T {
    this.members.push(process);
    return process;
  }

  /** SIGTERM each running member, newest first, SIGKILL after `graceMs`; how each one ended. */
  async stopAll(graceMs: number): Promise<Map<string, ExitStatus>> {
    const ended = new Map<string, ExitStatus>();
    for (const member of [...this.members].reverse()) {
      if (member.running) ended.set(member.name, await member.stop(graceMs));
    }
    return ended;
  }
}
