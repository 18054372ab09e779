import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestClient, http } from 'viem';
import { S3ObjectStore } from '../../drivers/store/s3ObjectStore.js';
import { ANVIL_CHAIN_ID, startAnvil } from '../helpers/anvil.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { childEnv, cli, spawnNode } from './childNode.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('the node serves the store on its fixed port; commands use it, and datasets prints an endpoint that answers after the command exits', async (t) => {
  const anvil = await startAnvil();
  t.teardown(() => anvil.stop());
  await createTestClient({ mode: 'anvil', transport: http(anvil.url) }).mine({ blocks: 5 });
  const inst = await createInstallation(t);
  const dir = await mkdtemp(join(tmpdir(), 'trace-store-endpoint-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const extra = { TRACE_S3_PORT: String(port), TRACE_DATA_DIR: join(dir, 'data'), TRACE_RPC_POOL_DEVNET_URL: anvil.url };
  const node = spawnNode(t, inst, [], extra);
  await eventually(async () => (node.output().includes('trace-lite is up') ? true : undefined), 30_000, 'the node to start');
  t.regex(node.output(), new RegExp(`"store":"http://127\\.0\\.0\\.1:${port}"`));

  const env = childEnv(inst, { ...extra, TRACE_LOG_LEVEL: 'warn' });
  const job = join(dir, 'job.yaml');
  await writeFile(
    job,
    `kind: chain_sync\nname: endpoint\nchain_id: ${ANVIL_CHAIN_ID}\nmode: {kind: fixed_target, from_block: 0, to_block: 6}\nstreams:\n  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, chunk_size: 3, max_inflight: 2}\n`,
  );
  const applied = await cli(env, 'apply', '--file', job);
  t.is(applied.code, 0, applied.stderr);
  const versions = await eventually(async () => {
    const listed = await cli(env, 'datasets', '--json');
    const parsed = JSON.parse(listed.stdout || '[]') as { uri: string[]; endpoint: string | null }[];
    return parsed.length === 2 ? parsed : undefined;
  }, 60_000, 'both ranges to commit');
  t.deepEqual(new Set(versions.map((v) => v.endpoint)), new Set([`http://127.0.0.1:${port}`]), "the command used the node's store");

  // The command has exited; the endpoint it printed answers (any S3 client, path-style).
  const [bucket, ...key] = versions[0]!.uri[0]!.replace('s3://', '').split('/');
  const store = new S3ObjectStore({ endpoint: versions[0]!.endpoint!, region: inst.config.s3Region, accessKeyId: inst.config.s3AccessKeyId, secretAccessKey: inst.config.s3SecretAccessKey, forcePathStyle: true });
  t.teardown(() => store.close());
  t.is(Buffer.from((await store.getBytes(bucket!, key.join('/'))).subarray(0, 4)).toString(), 'PAR1');

  const text = await cli(env, 'datasets');
  t.regex(text.stdout, new RegExp(`^store: http://127\\.0\\.0\\.1:${port} \\(path-style S3`, 'm'));

  node.child.kill('SIGTERM');
  await node.exited;
  const without = await cli(env, 'datasets');
  t.is(without.code, 0, without.stderr);
  t.regex(without.stdout, /^store: no node is serving it/m, 'with no node, the command says its own store stops with it');
});
