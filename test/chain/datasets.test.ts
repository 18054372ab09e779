import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBBlobValue } from '@duckdb/node-api';
import { duckdb } from '../helpers/duckdb.js';
import type { RecordBatch } from 'apache-arrow';
import { numberToHex, type Address } from 'viem';
import {
  DATASETS,
  DatasetDecodeError,
  datasetByName,
  decodeDataset,
  fileBatch,
  type CryoDatasetName,
  type DatasetRequest,
  type FetchedByDataset,
} from '../../drivers/chain/datasets.js';
import { RpcPool } from '../../drivers/chain/rpcClient.js';
import { CRYO_DATASETS, DATASET_CATALOG, fileColumnNames, type ArrowTypeName } from '../../drivers/datasets/catalog.js';
import { CRYO_SCHEMA_TABLE } from '../../drivers/datasets/cryoSchemas.js';
import { cryoDefaultColumns } from '../helpers/cryoTable.js';
import { recordBatchesToIpcChunks, writeParquetFile } from '../../drivers/parquet/parquetWriter.js';
import { ANVIL_CHAIN_ID, DEV_ACCOUNTS, seedWorkload, startAnvil, type SeededWorkload, type TestAnvil } from '../helpers/anvil.js';

/** Cryo columns not produced here. */
const NOT_PRODUCED: Partial<Record<CryoDatasetName, string[]>> = { transactions: ['n_rlp_bytes'] };

/** Per dataset, from Cryo's schema table: the columns a default file holds (name, Arrow type, DuckDB type) and those the decoder builds. */
const CRYO_COLUMNS = Object.fromEntries(CRYO_DATASETS.map((name) => [name, cryoDefaultColumns(name)])) as unknown as Record<
  CryoDatasetName,
  readonly (readonly [string, ArrowTypeName, string])[]
>;
const DECODED_COLUMNS = Object.fromEntries(
  CRYO_DATASETS.map((name) => [name, CRYO_SCHEMA_TABLE[name].filter((c) => !NOT_PRODUCED[name]?.includes(c.name)).map((c) => [c.name, c.arrowType] as const)]),
) as unknown as Record<CryoDatasetName, readonly (readonly [string, ArrowTypeName])[]>;

const DATASET_NAMES = CRYO_DATASETS;

let anvil: TestAnvil;
let workload: SeededWorkload;
let request: DatasetRequest;
const fetched = new Map<CryoDatasetName, FetchedByDataset[CryoDatasetName]>();

test.before(async () => {
  anvil = await startAnvil();
  workload = await seedWorkload(anvil.url, 10);
  const addresses: Address[] = [DEV_ACCOUNTS[1]!, DEV_ACCOUNTS[4]!, workload.fixture];
  request = { range: { start: 0, end: workload.head + 1 }, addresses, blocks: [0, 1, 5, workload.head] };
  const rpc = new RpcPool({ name: 'main', url: anvil.url });
  for (const name of DATASET_NAMES) fetched.set(name, await DATASETS[name].fetch(rpc, request));
});
test.after.always(async () => {
  await anvil?.stop();
});

function decoded(name: CryoDatasetName): RecordBatch {
  return decodeDataset<CryoDatasetName>(name, fetched.get(name)!, ANVIL_CHAIN_ID);
}

/** One comparable text per value: integers in decimal, bytes in hex, NULL as null. */
function normalize(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('hex');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return String(value);
}

function rows(batch: RecordBatch): (string | null)[][] {
  const columns = batch.schema.fields.map((field) => batch.getChild(field.name)!);
  return Array.from({ length: batch.numRows }, (_, i) => columns.map((column) => normalize(column.get(i))));
}

function columnValues(batch: RecordBatch, name: string): unknown[] {
  const column = batch.getChild(name)!;
  return Array.from({ length: batch.numRows }, (_, i) => column.get(i));
}

test('every dataset schema has the Cryo names, order and Arrow types: default columns as Cryo writes them, decoded ones as its struct', (t) => {
  t.deepEqual(Object.keys(DATASETS).sort(), [...DATASET_NAMES].sort());
  for (const name of DATASET_NAMES) {
    const { schema } = datasetByName(name);
    t.deepEqual(schema.fields.map((field) => [field.name, String(field.type)]), DECODED_COLUMNS[name], name);
    t.deepEqual(fileColumnNames(name), CRYO_COLUMNS[name].map(([column]) => column), `${name}: default file columns`);
    t.deepEqual(DATASET_CATALOG[name].columns.map((c) => [c.name, c.arrowType]), CRYO_COLUMNS[name].map(([column, type]) => [column, type]), `${name}: catalog`);
  }
  t.throws(() => datasetByName('traces'), { message: 'unknown dataset "traces" (known: blocks, transactions, logs, geth_calls, geth_balance_diffs, balances)' });
});

for (const name of DATASET_NAMES) {
  test(`${name}: decodes, and its Parquet file reads back in DuckDB with the Cryo types and the same rows`, async (t) => {
    const batch = decoded(name);
    t.true(batch.numRows > 0);
    t.deepEqual(batch.schema.fields, DATASETS[name].schema.fields);
    const dir = mkdtempSync(join(tmpdir(), `chain-${name}-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, `network_${ANVIL_CHAIN_ID}__${name}__00000000_to_${String(workload.head).padStart(8, '0')}.parquet`);
    // As cryo_ingest writes it: the default columns.
    const file = fileBatch(name, batch);
    const written = await writeParquetFile(recordBatchesToIpcChunks([file]), path, { compression: 'zstd' });
    t.is(written.rows, batch.numRows);

    const db = await duckdb(t);
    const source = `read_parquet('${path}', file_row_number = true)`;
    const described = await db.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (file_row_number) FROM ${source}`);
    t.deepEqual(
      described.getRowObjectsJS().map((row) => [row['column_name'], row['column_type']]),
      CRYO_COLUMNS[name].map(([column, , duckdbType]) => [column, duckdbType]),
    );
    const read = await db.runAndReadAll(`SELECT * EXCLUDE (file_row_number) FROM ${source} ORDER BY file_row_number`);
    t.deepEqual(read.getRows().map((row) => row.map(normalize)), rows(file));
  });
}

test('transactions: receipts give gas_used and success; creations have no to_address; input byte counts', (t) => {
  const batch = decoded('transactions');
  const receipts = (fetched.get('transactions') as FetchedByDataset['transactions']).receipts.flat();
  t.deepEqual(
    columnValues(batch, 'gas_used'),
    receipts.map((receipt) => BigInt(receipt.gasUsed)),
  );
  // One reverted `boom()` per seeded round.
  t.is(columnValues(batch, 'success').filter((success) => success === false).length, 10);
  t.is(columnValues(batch, 'to_address').filter((to) => to === null).length, 1);
  t.deepEqual([...new Set(columnValues(batch, 'transaction_type') as number[])].sort(), [0, 1, 2]);
  // Legacy and EIP-2930 transactions have no EIP-1559 fee caps.
  const types = columnValues(batch, 'transaction_type');
  const maxFee = columnValues(batch, 'max_fee_per_gas');
  types.forEach((type, i) => t.is(maxFee[i] === null, type !== 2));
  const [bytes, zeros, nonzero] = ['n_input_bytes', 'n_input_zero_bytes', 'n_input_nonzero_bytes'].map((column) => columnValues(batch, column) as number[]);
  columnValues(batch, 'input').forEach((input, i) => {
    const data = input as Uint8Array;
    t.is(bytes![i], data.length);
    t.is(zeros![i], data.filter((byte) => byte === 0).length);
    t.is(nonzero![i], data.length - zeros![i]!);
  });
  t.deepEqual(new Set(columnValues(batch, 'chain_id')), new Set([BigInt(ANVIL_CHAIN_ID)]));
});

test('transactions: U256 value as 32-byte big-endian, decimal string and f64', (t) => {
  const batch = decoded('transactions');
  const strings = columnValues(batch, 'value_string') as string[];
  const binaries = columnValues(batch, 'value_binary') as Uint8Array[];
  const floats = columnValues(batch, 'value_f64') as number[];
  t.true(strings.includes('500000000000000000'));
  strings.forEach((value, i) => {
    t.is(binaries[i]!.length, 32);
    t.is(BigInt(`0x${Buffer.from(binaries[i]!).toString('hex')}`), BigInt(value));
    t.is(floats[i], Number(value));
  });
});

test('logs: 0–3 topics with the missing ones null, data byte counts', (t) => {
  const batch = decoded('logs');
  const topic0 = columnValues(batch, 'topic0');
  const topic3 = columnValues(batch, 'topic3');
  // Ping has 3 topics, the anonymous Pong none, one of each per ping.
  t.is(topic0.filter((topic) => topic === null).length, batch.numRows / 2);
  t.true(topic3.every((topic) => topic === null));
  const data = columnValues(batch, 'data') as Uint8Array[];
  t.deepEqual(columnValues(batch, 'n_data_bytes'), data.map((bytes) => bytes.length));
  const logIndex = columnValues(batch, 'log_index') as number[];
  const blocks = columnValues(batch, 'block_number') as number[];
  t.true(blocks.every((block, i) => i === 0 || block > blocks[i - 1]! || (block === blocks[i - 1] && logIndex[i]! === logIndex[i - 1]! + 1)));
});

test('geth_calls: frames depth-first with trace addresses, errors of reverted frames, CREATE targets', (t) => {
  const batch = decoded('geth_calls');
  const typ = columnValues(batch, 'typ') as string[];
  const traceAddress = columnValues(batch, 'trace_address') as string[];
  const error = columnValues(batch, 'error');
  t.is(typ[0], 'CREATE');
  t.is(normalize(columnValues(batch, 'to_address')[0]), workload.fixture.slice(2).toLowerCase());
  // The first fanout (round 0, one ping): the call, its ping, then the reverted STATICCALL boom().
  t.deepEqual(typ.slice(1, 4), ['CALL', 'CALL', 'STATICCALL']);
  t.deepEqual(traceAddress.slice(1, 4), ['', '0', '1']);
  t.is(error[3], 'execution reverted');
  t.is(columnValues(batch, 'value_string')[3], null);
  // A fanout with three pings somewhere: sub-calls 0, 1, 2 and the boom as 3.
  const joined = traceAddress.join(',');
  t.true(joined.includes(',0,1,2,3,'), joined);
  // Every transaction's frames start with its top frame.
  const txIndex = columnValues(batch, 'transaction_index') as number[];
  const block = columnValues(batch, 'block_number') as number[];
  traceAddress.forEach((address, i) => {
    const firstOfTransaction = i === 0 || txIndex[i] !== txIndex[i - 1] || block[i] !== block[i - 1];
    t.is(address === '', firstOfTransaction);
  });
});

test('balances: one row per address and block, equal to eth_getBalance', async (t) => {
  const batch = decoded('balances');
  t.is(batch.numRows, request.addresses!.length * request.blocks!.length);
  const blocks = columnValues(batch, 'block_number') as number[];
  const addresses = columnValues(batch, 'address') as Uint8Array[];
  const balances = columnValues(batch, 'balance_string') as string[];
  for (let i = 0; i < batch.numRows; i++) {
    const address = `0x${Buffer.from(addresses[i]!).toString('hex')}`;
    const response = await fetch(anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [address, numberToHex(blocks[i]!)] }),
    });
    const { result } = (await response.json()) as { result: string };
    t.is(balances[i], BigInt(result).toString());
  }
  t.throws(() => DATASETS.balances.fetch(new RpcPool({ name: 'main', url: anvil.url }), { range: request.range }), { message: /needs `addresses`/ });
});

test('a bad value fails the decode naming dataset, block, row and column', (t) => {
  const blocks = structuredClone(fetched.get('blocks') as FetchedByDataset['blocks']);
  blocks.blocks[2]!.hash = '0x1234';
  t.throws(() => decodeDataset('blocks', blocks, ANVIL_CHAIN_ID), {
    instanceOf: DatasetDecodeError,
    message: 'blocks: block "0x2": column block_hash: expected 32 hex bytes, got "0x1234"',
  });
  const transactions = structuredClone(fetched.get('transactions') as FetchedByDataset['transactions']);
  transactions.blocks[3]!.transactions[1]!.gas = '0xzz' as `0x${string}`;
  t.throws(() => decodeDataset('transactions', transactions, ANVIL_CHAIN_ID), {
    message: 'transactions: block "0x3" transaction 1: column gas_limit: expected a hex quantity below 2^64, got "0xzz"',
  });
  transactions.receipts[3]!.pop();
  t.throws(() => decodeDataset('transactions', transactions, ANVIL_CHAIN_ID), { message: /block "0x3": 6 transactions but 5 receipts/ });
  const logs = structuredClone(fetched.get('logs') as FetchedByDataset['logs']);
  logs.logs[0]!.removed = true;
  t.throws(() => decodeDataset('logs', logs, ANVIL_CHAIN_ID), { message: /^logs: block "0x\w+" log "0x0": the node marked the log removed/ });
  t.throws(() => decodeDataset('blocks', fetched.get('blocks') as FetchedByDataset['blocks'], -1), { message: /chain id -1/ });
});

test('an empty range decodes to a 0-row batch with the full schema', async (t) => {
  const empty: FetchedByDataset = {
    blocks: { blocks: [] },
    transactions: { blocks: [], receipts: [] },
    logs: { logs: [], headers: [] },
    geth_calls: { blocks: [], receipts: [], headers: [] },
    geth_balance_diffs: { blocks: [], headers: [] },
    balances: { balances: [] },
  };
  for (const name of DATASET_NAMES) {
    const batch = decodeDataset<CryoDatasetName>(name, empty[name], ANVIL_CHAIN_ID);
    t.is(batch.numRows, 0);
    t.deepEqual(batch.schema.fields, DATASETS[name].schema.fields);
  }
  const rpc = new RpcPool({ name: 'main', url: anvil.url });
  t.deepEqual(await DATASETS.logs.fetch(rpc, { range: { start: 3, end: 3 } }), { logs: [], headers: [] });
});
