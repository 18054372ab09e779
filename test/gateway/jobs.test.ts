/** The gateway's job API (/v1/jobs) through a real node over real HTTP. */
import test from 'ava';
import { postJson, startGateway, type ErrorBody } from '../helpers/gateway.js';

const JOB_YAML = `kind: chain_sync
name: gateway-job
chain_id: 10143
mode: {kind: fixed_target, from_block: 0, to_block: 100}
streams:
  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 50}
  logs: {cryo_dataset_name: logs, rpc_pool: devnet}
`;

test('POST /v1/jobs applies a chain_sync job (YAML or JSON {yaml}); GET /v1/jobs/:id shows its streams', async (t) => {
  const { base } = await startGateway(t);
  const created = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: JOB_YAML });
  t.is(created.status, 201);
  const { job_id: jobId, name } = (await created.json()) as { job_id: string; name: string };
  t.regex(jobId, /^\d+$/);
  t.is(name, 'gateway-job');

  const status = await fetch(`${base}/v1/jobs/${jobId}`);
  t.is(status.status, 200);
  const job = (await status.json()) as { job_id: string; complete: boolean; streams: Record<string, { dataset: string; target: number }> };
  t.is(job.job_id, jobId);
  t.false(job.complete);
  t.deepEqual(Object.keys(job.streams).sort(), ['blocks', 'logs']);
  t.is(job.streams.blocks?.target, 100);
  t.is((await fetch(`${base}/v1/jobs/gateway-job`)).status, 200, 'by name too');

  const again = await postJson(base, '/v1/jobs', { yaml: JOB_YAML.replace('to_block: 100', 'to_block: 200') });
  t.is(again.status, 200, 'an update of an existing job');
  t.is(((await again.json()) as { job_id: string }).job_id, jobId);
  t.is((await fetch(`${base}/v1/jobs/${jobId}`).then((r) => r.json()) as { streams: Record<string, { target: number }> }).streams.blocks?.target, 200);

  const invalid = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JOB_YAML.replace('chunk_size: 50', 'chunk_size: -3'),
  });
  t.is(invalid.status, 400);
  const { error } = (await invalid.json()) as ErrorBody;
  t.is(error.reason, 'invalid_job');
  t.regex(error.message, /streams\.blocks\.chunk_size \(line 6\)/);

  const notYaml = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: 'kind: [unclosed' });
  t.is(notYaml.status, 400);
  t.regex(((await notYaml.json()) as ErrorBody).error.message, /line \d+/);

  t.is((await postJson(base, '/v1/jobs', { spec: 'nope' })).status, 400);

  const unknown = await fetch(`${base}/v1/jobs/no-such-job`);
  t.is(unknown.status, 404);
  t.is(((await unknown.json()) as ErrorBody).error.reason, 'unknown_job');
});
