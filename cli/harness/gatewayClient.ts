/**
 * The HTTP API of a running gateway, as the harness drives it: apply a chain_sync job, read its
 * status, submit a run and read it, query. A failed request throws with the API's reason and message.
 */
import type { QueryResult } from '../../actors/query/queryTypes.js';
import type { JobStatus } from '../../actors/state/syncJobs.js';
import type { RunRow, TaskRow } from '../../actors/state/tasks/taskTypes.js';
import type { RunSpec } from '../../actors/state/tasks/runSpec.js';

export interface RunStatus {
  run: RunRow;
  tasks: TaskRow[];
}

export class GatewayClient {
  constructor(readonly base: string) {}

  async applyJob(yaml: string): Promise<{ job_id: string; name: string; created: boolean }> {
    return this.request('POST', '/v1/jobs', { 'content-type': 'text/yaml' }, yaml);
  }

  async jobStatus(idOrName: string): Promise<JobStatus> {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(idOrName)}`);
  }

  async submitRun(spec: RunSpec): Promise<{ run_id: string; tasks: Record<string, string> }> {
    return this.request('POST', '/v1/runs', { 'content-type': 'application/json' }, JSON.stringify(spec));
  }

  async runStatus(runId: string): Promise<RunStatus> {
    return this.request('GET', `/v1/runs/${encodeURIComponent(runId)}`);
  }

  /** One read-only statement, or a stored template with its parameters. */
  async query(query: { sql: string } | { template: string; params: Record<string, unknown> }): Promise<QueryResult> {
    return this.request('POST', '/v1/query', { 'content-type': 'application/json' }, JSON.stringify(query));
  }

  private async request<T>(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<T> {
    const response = await fetch(`${this.base}${path}`, { method, headers, body });
    const text = await response.text();
    if (!response.ok) {
      let reason = `HTTP ${response.status}`;
      try {
        const { error } = JSON.parse(text) as { error: { reason: string; message: string } };
        reason = `${error.reason}: ${error.message}`;
      } catch {
        // not the API's error shape: the status says enough
      }
      throw new Error(`${method} ${path} failed (${reason})`);
    }
    return JSON.parse(text) as T;
  }
}
