import test from 'ava';
import { armFailpoint, disarmFailpoint, failpoint, FailpointError, pauseAt } from '../../runtime/failpoints.js';

test('an unarmed failpoint returns at once and costs no promise', (t) => {
  t.is(failpoint('test.unarmed'), undefined);
});

test('pauseAt holds the matching caller until released; others pass', async (t) => {
  const handle = pauseAt('test.pause', { when: (c) => c.n === 2 });
  const order: string[] = [];
  const passing = (async () => {
    await failpoint('test.pause', { n: 1 });
    order.push('n1 passed');
  })();
  const held = (async () => {
    await failpoint('test.pause', { n: 2 });
    order.push('n2 released');
  })();
  t.deepEqual(await handle.reached, { n: 2 });
  await passing;
  t.deepEqual(order, ['n1 passed']);
  handle.release();
  await held;
  t.deepEqual(order, ['n1 passed', 'n2 released']);
  t.is(failpoint('test.pause', { n: 2 }), undefined, 'released points are disarmed');
});

test('an armed throw point throws its count of hits, then passes', async (t) => {
  armFailpoint('test.throw', 'throw', 1);
  t.teardown(() => disarmFailpoint('test.throw'));
  await t.throwsAsync(async () => failpoint('test.throw'), { instanceOf: FailpointError });
  t.is(failpoint('test.throw'), undefined);
});
