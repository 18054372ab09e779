/**
 * A logs stream's `event` option (Cryo's --event-signature): only the event's logs are written,
 * with decoded `event__<param>` columns beside the raw ones, equal to what viem decodes
 * independently from the node's own eth_getLogs; bad signatures are refused when the job is
 * parsed, naming the field and its line. Against a seeded Monad-like devnet (real anvil): its
 * ERC-20's Transfer events and the staking precompile's events.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { makeVector } from 'apache-arrow';
import { parseAbi, parseEventLogs, type Hex, type RpcLog } from 'viem';
import { formatLog } from 'viem/utils';
import { parseSyncJobSpec, SyncJobSpecError } from '../../actors/state/syncJobSpec.js';
import { decodeEvents } from '../../drivers/chain/datasets/logEvents.js';
import { fetchBlocks, fetchLogs } from '../../drivers/chain/fetch.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { eventColumns, parseLogEvent } from '../../drivers/datasets/logEvent.js';
import { startDevnet, type Devnet } from '../../drivers/devnet/devnet.js';
import { MONAD_STAKING_ABI } from '../../drivers/devnet/monad.js';
import { cryoDefaultColumns } from '../helpers/cryoTable.js';
import { duckdb } from '../helpers/duckdb.js';
import { createInstallation, eventually } from '../helpers/installation.js';
import { startNode } from '../helpers/node.js';
import { embeddedObjects } from '../helpers/objectStore.js';

const TRANSFER = 'Transfer(address indexed from, address indexed to, uint256 value)';
const ERC20 = parseAbi([`event ${TRANSFER}`]);
const BLOCKS = 30;
const quiet = (): void => {};

const jobWith = (stream: string, chainId = 10143): string => `kind: chain_sync
name: events
chain_id: ${chainId}
mode: {kind: fixed_target, from_block: 0, to_block: ${BLOCKS + 1}}
streams:
${stream}
`;

async function devnet(t: { teardown: (fn: () => unknown) => void }): Promise<Devnet> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trace-events-'));
  const net = await startDevnet({ dataDir, blocks: BLOCKS, seed: 11, log: quiet });
  t.teardown(async () => {
    await net.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return net;
}


test('bad event signatures are refused when the job is parsed, naming the field and its line', (t) => {
  const refused = (stream: string): string => t.throws(() => parseSyncJobSpec(jobWith(stream)), { instanceOf: SyncJobSpecError })!.message;
  t.is(
    refused('  logs:\n    cryo_dataset_name: logs\n    rpc_pool: devnet\n    event: "Transfer(adress indexed from, address indexed to, uint256 value)"'),
    'job file: invalid chain_sync job: streams.logs.event (line 9): not a Solidity event signature (expected e.g. "Transfer(address indexed from, address indexed to, uint256 value)"): Unknown type.',
  );
  t.regex(refused('  logs:\n    cryo_dataset_name: logs\n    rpc_pool: devnet\n    event: "Transfer(address indexed, address indexed to, uint256 value)"'), /streams\.logs\.event \(line 9\): parameter address has no name: each names its column event__<name>/);
  t.regex(refused('  logs:\n    cryo_dataset_name: logs\n    rpc_pool: devnet\n    event: "Batch(uint256[] ids)"'), /streams\.logs\.event \(line 9\): parameter ids is a uint256\[\]: arrays, tuples and functions have no column type/);
  t.regex(refused(`  blocks: {cryo_dataset_name: blocks, rpc_pool: devnet, event: "${TRANSFER}"}`), /streams\.blocks\.event \(line 6\): only a logs stream decodes events, not blocks/);
  const accepted = parseSyncJobSpec(jobWith(`  logs: {cryo_dataset_name: logs, rpc_pool: devnet, event: "event ${TRANSFER}"}`));
  t.is(accepted.streams['logs']!.event, `event ${TRANSFER}`, 'the leading `event` keyword is optional');
});

test('a Transfer stream writes only Transfer logs, its files with event__ columns (Cryo order and types) equal to viem decoding the node’s raw logs', async (t) => {
  const net = await devnet(t);
  const d = net.description;
  const inst = await createInstallation(t, { retryBaseSeconds: 0.2 });
  const { objects } = await embeddedObjects(t, inst);
  const node = await startNode(t, inst, { objects, env: { TRACE_RPC_POOL_DEVNET_URL: d.rpc_url } });
  const { jobId } = await node.rt.syncJobs.apply(
    parseSyncJobSpec(jobWith(`  logs: {cryo_dataset_name: logs, rpc_pool: devnet, chunk_size: 8, max_inflight: 2, event: "${TRANSFER}"}`, d.chain_id)),
  );
  const status = await eventually(async () => {
    const s = await node.rt.syncJobs.status(jobId);
    return s.complete ? s : undefined;
  }, 90_000, 'the sync to complete');

  // The node's own logs, decoded by viem: every ERC-20 Transfer, and the logs of other events that
  // the stream must leave out.
  const raw = await fetchLogs(new RpcPool({ name: 'check', url: d.rpc_url }), { start: 0, end: BLOCKS + 1 });
  const expected = parseEventLogs({ abi: ERC20, logs: raw.map((log) => formatLog(log)), strict: true });
  t.true(expected.length > 20, `${expected.length} Transfer logs`);
  t.true(raw.length > expected.length, 'the chain has logs of other events too');
  t.is(status.streams['logs']!.rows, expected.length, 'only the Transfer logs are written');

  const db = await duckdb(t);
  const dir = await mkdtemp(path.join(tmpdir(), 'events-files-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files: string[] = [];
  for (const version of await node.rt.registry.listVersions('logs', d.chain_id)) {
    t.regex(version.config_hash, /;event=Transfer/);
    for (const key of version.object_keys) {
      const file = path.join(dir, `${files.length}.parquet`);
      await writeFile(file, await (await objects.get()).getBytes(version.bucket, key));
      files.push(file);
    }
  }
  const list = `[${files.map((f) => `'${f}'`).join(', ')}]`;
  const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${files[0]}')`);
  t.deepEqual(
    described.getRowObjectsJS().map((row) => `${String(row['column_name'])} ${String(row['column_type'])}`),
    [
      ...cryoDefaultColumns('logs').map(([name, , duckType]) => `${name} ${duckType}`),
      'event__from BLOB',
      'event__to BLOB',
      'event__value_binary BLOB',
      'event__value_string VARCHAR',
      'event__value_f64 DOUBLE',
    ],
    'the default columns, then the indexed parameters, then the data ones (U256 as Cryo’s triple)',
  );
  const read = await db.runAndReadAll(
    `SELECT block_number, log_index, ${['topic1', 'topic2', 'data', 'event__from', 'event__to', 'event__value_binary'].map((c) => `'0x' || lower(hex(${c}))`).join(', ')},
            event__value_string, event__value_f64
     FROM read_parquet(${list}) ORDER BY block_number, log_index`,
  );
  const rows = read.getRows();
  t.is(rows.length, expected.length);
  rows.forEach(([block, logIndex, topic1, topic2, data, from, to, valueBinary, valueString, valueF64], i) => {
    const log = expected[i]!;
    const where = `block ${String(block)} log ${String(logIndex)}`;
    t.deepEqual([Number(block), Number(logIndex)], [Number(log.blockNumber), log.logIndex], where);
    t.is(String(from), log.args.from.toLowerCase(), `${where}: from`);
    t.is(String(to), log.args.to.toLowerCase(), `${where}: to`);
    t.is(BigInt(String(valueBinary)), log.args.value, `${where}: value_binary`);
    t.is(String(valueString), log.args.value.toString(), `${where}: value_string`);
    t.is(Number(valueF64), Number(log.args.value), `${where}: value_f64`);
    // The raw columns stay beside the decoded ones.
    t.deepEqual([String(topic1), String(topic2), String(data)], [log.topics[1], log.topics[2], log.data], `${where}: raw topics and data`);
  });

  // Hot rows keep the default columns, of the same (Transfer only) logs.
  const qs = await node.rt.query();
  const hot = await qs.query({ sql: 'SELECT count(*)::INTEGER, count(DISTINCT topic0)::INTEGER FROM logs' });
  t.deepEqual(hot.rows, [[expected.length, 1]]);
});

test("the staking precompile's events decode as viem decodes them (uint64 indexed → UInt64, uint256 → U256 triple)", async (t) => {
  const net = await devnet(t);
  const rpc = new RpcPool({ name: 'check', url: net.description.rpc_url });
  const range = { start: 0, end: BLOCKS + 1 };
  const fetched = { logs: await fetchLogs(rpc, range), headers: await fetchBlocks(rpc, range, false) };
  const signatures = [
    'ValidatorRewarded(uint64 indexed validatorId, address indexed from, uint256 amount, uint64 epoch)',
    'Delegate(uint64 indexed validatorId, address indexed delegator, uint256 amount, uint64 activationEpoch)',
  ];
  for (const signature of signatures) {
    const event = parseLogEvent(signature);
    const decoded = decodeEvents(fetched, event);
    const expected = parseEventLogs({ abi: MONAD_STAKING_ABI, eventName: event.abi.name as 'Delegate', logs: fetched.logs.map((log: RpcLog) => formatLog(log)), strict: true });
    t.true(expected.length > 0, `${signature}: the devnet emits it`);
    t.deepEqual(
      decoded.fetched.logs.map((l) => `${Number(l.blockNumber)}:${Number(l.logIndex)}`),
      expected.map((l) => `${l.blockNumber}:${l.logIndex}`),
      `${signature}: exactly the event's logs`,
    );
    t.deepEqual(decoded.columns.map((c) => `${c.field.name} ${String(c.field.type)}`), eventColumns(event).map((c) => `${c.name} ${c.type}`));
    t.deepEqual(
      decoded.columns.map((c) => c.field.name),
      ['event__validatorId', `event__${event.parameters[1]!.name}`, 'event__amount_binary', 'event__amount_string', 'event__amount_f64', `event__${event.parameters[3]!.name}`],
    );
    const column = (name: string): unknown[] => Array.from(makeVector(decoded.columns.find((c) => c.field.name === name)!.data).toArray() as ArrayLike<unknown>);
    const args = expected.map((l) => l.args as unknown as Record<string, bigint | Hex>);
    t.deepEqual(column('event__validatorId'), args.map((a) => a['validatorId']), `${signature}: validatorId`);
    const lastName = event.parameters[3]!.name;
    t.deepEqual(column(`event__${lastName}`), args.map((a) => a[lastName]), `${signature}: ${lastName}`);
    t.deepEqual(column('event__amount_f64'), args.map((a) => Number(a['amount'])), `${signature}: amount`);
  }
});
