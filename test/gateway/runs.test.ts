/** The gateway's run API (/v1/runs) through a real node over real HTTP. */
import test from 'ava';
import { postJson, startGateway, type ErrorBody } from '../helpers/gateway.js';

const RUN_YAML = `name: fan-out
tasks:
  - {name: a, operator: noop}
  - {name: b, operator: noop, depends_on: [a]}
`;

test('POST /v1/runs submits a run (YAML or JSON) as `run submit` does; GET /v1/runs/:id shows it with its tasks', async (t) => {
  const { base } = await startGateway(t);
  const created = await fetch(`${base}/v1/runs`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: RUN_YAML });
  t.is(created.status, 201);
  const { run_id: runId, tasks } = (await created.json()) as { run_id: string; tasks: Record<string, string> };
  t.regex(runId, /^\d+$/);
  t.deepEqual(Object.keys(tasks).sort(), ['a', 'b']);

  const status = await fetch(`${base}/v1/runs/${runId}`);
  t.is(status.status, 200);
  const found = (await status.json()) as { run: { run_id: string; name: string; status: string }; tasks: { name: string; status: string }[] };
  t.like(found.run, { run_id: runId, name: 'fan-out', status: 'running' });
  t.deepEqual(found.tasks.map((task) => [task.name, task.status]), [
    ['a', 'queued'],
    ['b', 'pending'],
  ]);

  const json = await postJson(base, '/v1/runs', { name: 'one', tasks: [{ name: 'x', operator: 'sleep', params: { ms: 1 } }] });
  t.is(json.status, 201);
});

test('POST /v1/runs refuses an invalid run or an unknown operator with 400 invalid_run and writes nothing; unknown runs are 404', async (t) => {
  const { base, inst } = await startGateway(t);
  const refused = async (body: unknown, pattern: RegExp) => {
    const response = await postJson(base, '/v1/runs', body);
    t.is(response.status, 400);
    const { error } = (await response.json()) as ErrorBody;
    t.is(error.reason, 'invalid_run');
    t.regex(error.message, pattern);
  };
  await refused({ name: 'cycle', tasks: [{ name: 'a', operator: 'noop', depends_on: ['a'] }] }, /tasks\.0\.depends_on\.0: a task cannot depend on itself/);
  await refused({ name: 'nope', tasks: [{ name: 'a', operator: 'no_such_operator' }] }, /unknown operator\(s\) a: no_such_operator/);
  await refused({ tasks: [] }, /name/);
  const notYaml = await fetch(`${base}/v1/runs`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: 'tasks: [unclosed' });
  t.is(notYaml.status, 400);
  t.is((await inst.pool.query('SELECT count(*)::int AS n FROM runs')).rows[0].n, 0, 'nothing was written');

  for (const id of ['999999', 'abc', '1e3']) {
    const unknown = await fetch(`${base}/v1/runs/${id}`);
    t.is(unknown.status, 404, id);
    t.is(((await unknown.json()) as ErrorBody).error.reason, 'unknown_run');
  }
});
