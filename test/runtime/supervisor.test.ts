import test from 'ava';
import { Actor } from '../../runtime/actor.js';
import { createLogger } from '../../runtime/logger.js';
import { BoundedMailbox } from '../../runtime/boundedMailbox.js';
import { CrashBudgetExceededError, Supervisor } from '../../runtime/supervisor.js';

const log = createLogger('silent');

/** Crashes on every message that says 'crash'; counts what it handled. */
class Flaky extends Actor<string> {
  static starts = 0;
  handled: string[] = [];
  constructor() {
    super('flaky', log);
  }
  protected override async onStart(): Promise<void> {
    Flaky.starts += 1;
  }
  protected override async receive(message: string): Promise<void> {
    if (message === 'crash') throw new Error('asked to crash');
    this.handled.push(message);
  }
}

test.serial('the supervisor restarts a crashing actor with a fresh instance, one-for-one', async (t) => {
  Flaky.starts = 0;
  const supervisor = new Supervisor({ log, maxRestarts: 5, backoffBaseMs: 20 });
  const steady: string[] = [];
  class Steady extends Actor<string> {
    constructor() {
      super('steady', log);
    }
    protected override async receive(m: string): Promise<void> {
      steady.push(m);
    }
  }
  supervisor.add({ name: 'flaky', create: () => new Flaky() }).add({ name: 'steady', create: () => new Steady() });
  await supervisor.start();
  t.teardown(() => supervisor.stop());
  const first = supervisor.actor('flaky') as Flaky;
  const steadyActor = supervisor.actor('steady');
  first.tell('crash');
  await new Promise((r) => setTimeout(r, 100));
  const second = supervisor.actor('flaky') as Flaky;
  t.not(second, first, 'a fresh instance replaced the crashed one');
  t.is(Flaky.starts, 2);
  t.false(first.running);
  t.true(second.tell('hello'));
  await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(second.handled, ['hello']);
  t.is(supervisor.actor('steady'), steadyActor, 'the sibling was not restarted');
});

test.serial('a child that crashes past its budget makes the supervisor give up loudly', async (t) => {
  Flaky.starts = 0;
  const supervisor = new Supervisor({ log, maxRestarts: 3, crashWindowMs: 10_000, backoffBaseMs: 10 });
  supervisor.add({ name: 'flaky', create: () => new Flaky() });
  await supervisor.start();
  const crashLoop = setInterval(() => (supervisor.actor('flaky') as Flaky | undefined)?.tell('crash'), 5);
  t.teardown(() => clearInterval(crashLoop));
  const error = await t.throwsAsync(supervisor.done, { instanceOf: CrashBudgetExceededError });
  t.regex(error!.message, /flaky exceeded its crash budget \(3 restarts/);
  t.is(Flaky.starts, 4, 'started once and restarted three times');
  t.is(supervisor.actor('flaky'), undefined, 'everything was stopped');
});

test('restart backoff grows exponentially between crashes', async (t) => {
  const starts: number[] = [];
  class Crasher extends Actor<never> {
    constructor() {
      super('crasher', log);
    }
    protected override async onStart(): Promise<void> {
      starts.push(Date.now());
      throw new Error('cannot start');
    }
  }
  const supervisor = new Supervisor({ log, maxRestarts: 3, backoffBaseMs: 50 });
  supervisor.add({ name: 'crasher', create: () => new Crasher() });
  await supervisor.start();
  await t.throwsAsync(supervisor.done, { instanceOf: CrashBudgetExceededError });
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  t.is(gaps.length, 3);
  t.true(gaps[0]! >= 45 && gaps[1]! >= 95 && gaps[2]! >= 195, `gaps ${gaps.join(', ')} ms`);
});

test('a bounded mailbox refuses or holds back producers when full instead of growing', async (t) => {
  const box = new BoundedMailbox<number>(2);
  t.true(box.offer(1));
  t.true(box.offer(2));
  t.false(box.offer(3), 'offer refuses when full');
  let putDone = false;
  const put = box.put(3).then(() => (putDone = true));
  await new Promise((r) => setTimeout(r, 20));
  t.false(putDone, 'put waits while full');
  t.is(box.size, 2);
  t.is(await box.take(), 1);
  await put;
  t.true(putDone);
  t.deepEqual([await box.take(), await box.take()], [2, 3]);
  box.close();
  t.is(await box.take(), undefined);
  t.false(box.offer(4));
});

test('an actor stops taking messages on stop and lets in-flight handling finish', async (t) => {
  const done: number[] = [];
  class Slow extends Actor<number> {
    constructor() {
      super('slow', log, { mailboxCapacity: 10 });
    }
    protected override async receive(n: number): Promise<void> {
      await new Promise((r) => setTimeout(r, 50));
      done.push(n);
    }
  }
  const actor = new Slow();
  await actor.start(() => t.fail('no crash expected'));
  actor.tell(1);
  await new Promise((r) => setTimeout(r, 10));
  await actor.stop();
  t.deepEqual(done, [1]);
  t.false(actor.tell(2));
});

test('a loop whose body fails with transient errors backs off and runs on, past the crash budget, without a crash', async (t) => {
  const transientFailures = 4;
  let crashes = 0;
  class Draining extends Actor<never> {
    attempts = 0;
    drained = false;
    constructor() {
      super('draining', log);
    }
    protected override async onStart(): Promise<void> {
      this.loop(
        async () => {
          this.attempts += 1;
          if (this.attempts <= transientFailures) throw Object.assign(new Error('the database system is starting up'), { code: '57P03' });
          this.drained = true;
          await new Promise((r) => setTimeout(r, 10));
        },
        { isTransient: (err) => (err as { code?: string }).code === '57P03' },
      );
    }
  }
  const supervisor = new Supervisor({ log, maxRestarts: 3, crashWindowMs: 60_000, backoffBaseMs: 10 });
  supervisor.add({ name: 'draining', create: () => new Draining() });
  await supervisor.start();
  t.teardown(() => supervisor.stop());
  const actor = supervisor.actor('draining') as Draining;
  void supervisor.done.catch(() => (crashes += 1));
  // More failures than the budget of 3 restarts; backoffs of 0.2, 0.4, 0.8 and 1.6 s: ~3 s to the fifth run.
  const deadline = Date.now() + 20_000;
  while (!actor.drained && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.true(actor.drained, `ran ${actor.attempts} times`);
  t.is(supervisor.actor('draining'), actor, 'the same instance: never crashed, never restarted');
  t.is(crashes, 0);
});

test('a loop whose body fails otherwise crashes the actor, as before', async (t) => {
  class Broken extends Actor<never> {
    constructor() {
      super('broken', log);
    }
    protected override async onStart(): Promise<void> {
      this.loop(async () => {
        throw new Error('a bug');
      }, { isTransient: () => false });
    }
  }
  const supervisor = new Supervisor({ log, maxRestarts: 1, crashWindowMs: 60_000, backoffBaseMs: 10 });
  supervisor.add({ name: 'broken', create: () => new Broken() });
  await supervisor.start();
  t.teardown(() => supervisor.stop());
  await t.throwsAsync(supervisor.done, { instanceOf: CrashBudgetExceededError });
});
