import test from 'ava';
import { MessageChannel } from 'node:worker_threads';
import { openThreadPool } from '../../actors/threadJobs.js';
import { ANVIL_CHAIN_ID, seedWorkload, startAnvil } from '../helpers/anvil.js';

test('a range read on a pool thread says so on its port (the attempt frees its fetch slot then), and the job returns its decoded rows', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  const { head, transactions } = await seedWorkload(anvil.url, 3);
  const pool = openThreadPool({
    maxThreads: 1,
    onThreadError: (error) => {
      throw error;
    },
  });
  t.teardown(() => pool.close());
  const { port1, port2 } = new MessageChannel();
  t.teardown(() => port1.close());
  // Posted before the decode; messages on two ports have no order between them, so only its arrival is checked.
  const read = new Promise<void>((resolve) => port1.once('message', () => resolve()));
  const input = { dataset: 'transactions' as const, chainId: ANVIL_CHAIN_ID, start: 0, end: head + 1, rpc: { name: 'test', url: anvil.url }, hot: true, read: port2 };
  const fetched = await pool.run('fetchRange', input, { transfer: [port2] });
  await read;
  t.true(fetched.copyText.length > 0 && fetched.ipc.byteLength > 0, 'the rows came back decoded');
  t.is(new TextDecoder().decode(fetched.copyText).trim().split('\n').length, transactions.length, 'one hot row per transaction');
});
