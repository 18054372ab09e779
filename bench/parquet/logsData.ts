/**
 * Deterministic Cryo-`logs`-shaped record batches for the Parquet benches and tests. The repetition
 * mimics mainnet so compression means something: ~200 logs per block share one block hash, 1–4 logs
 * per transaction share its hash, contracts come from a skewed pool of 2,000 (a few tokens emit most
 * logs), each contract emits two event kinds (ERC-20 Transfer/Approval, swaps, syncs, NFT
 * transfers, anonymous events) whose topics are 32-byte signatures and zero-padded addresses from a
 * skewed pool of 50,000 accounts, and data is 0–256 bytes of mostly zero-padded uint256 words.
 * Same seed → same rows, whatever the batch size (all randomness is drawn per row, in row order).
 */
import { Binary, makeData, RecordBatch, Struct, Uint32, Uint64, type Data } from 'apache-arrow';
import { CRYO_SCHEMAS } from '../../drivers/datasets/arrowSchemas.js';

export interface LogsGeneratorOptions {
  rows: number;
  /** Rows per record batch (the last one may be shorter). */
  batchRows: number;
  seed?: number;
}

export const DEFAULT_SEED = 0x5eed_1095;
const FIRST_BLOCK = 18_000_000;
const CHAIN_ID = 1n;
const CONTRACTS = 2_000;
const ACCOUNTS = 50_000;
const EVENT_SIGNATURES = 64;
const MAX_DATA_BYTES = 256;

/** sfc32: small, fast, seedable; good enough for benchmark data (not for anything secret). */
class Random {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Skewed towards 0: index i is picked with weight ~ i^(-2/3), so a few entries dominate. */
  skewed(n: number): number {
    const u = this.u32() / 0x1_0000_0000;
    return Math.floor(n * u * u * u);
  }

  fill(target: Uint8Array, offset: number, length: number): void {
    for (let i = 0; i < length; i += 4) {
      let word = this.u32();
      for (let j = i; j < Math.min(i + 4, length); j++) {
        target[offset + j] = word & 0xff;
        word >>>= 8;
      }
    }
  }
}

/** What a contract's event looks like: topic count (0 = anonymous, no topic0) and data words. */
interface EventKind {
  topics: number;
  /** How many of topic1..topic3 are accounts (zero-padded addresses); the rest are small uint256s. */
  accountTopics: number;
  dataWords: () => number;
}

function eventKinds(random: Random): readonly EventKind[] {
  return [
    { topics: 3, accountTopics: 2, dataWords: () => 1 }, // ERC-20 Transfer(from, to; value)
    { topics: 3, accountTopics: 2, dataWords: () => 1 }, // ERC-20 Approval(owner, spender; value)
    { topics: 3, accountTopics: 2, dataWords: () => 4 }, // Uniswap V2 Swap(sender, to; 4 amounts)
    { topics: 1, accountTopics: 0, dataWords: () => 2 }, // Uniswap V2 Sync(; reserve0, reserve1)
    { topics: 4, accountTopics: 2, dataWords: () => 0 }, // ERC-721 Transfer(from, to, tokenId)
    { topics: 2, accountTopics: 1, dataWords: () => 1 }, // WETH Deposit(dst; wad)
    { topics: 0, accountTopics: 0, dataWords: () => random.int(9) }, // anonymous event
    { topics: 1 + random.int(4), accountTopics: 0, dataWords: () => random.int(9) }, // anything else
  ];
}

/** Generator state that carries across batches: a block or a transaction may span two batches. */
class LogsState {
  readonly random: Random;
  readonly contracts: Uint8Array;
  readonly accounts: Uint8Array;
  readonly signatures: Uint8Array;
  readonly kinds: readonly EventKind[];
  blockNumber = FIRST_BLOCK - 1;
  readonly blockHash = new Uint8Array(32);
  logsLeftInBlock = 0;
  logIndex = 0;
  transactionIndex = 0;
  readonly transactionHash = new Uint8Array(32);
  logsLeftInTransaction = 0;

  constructor(seed: number) {
    this.random = new Random(seed);
    this.contracts = new Uint8Array(CONTRACTS * 20);
    this.accounts = new Uint8Array(ACCOUNTS * 20);
    this.signatures = new Uint8Array(EVENT_SIGNATURES * 32);
    this.random.fill(this.contracts, 0, this.contracts.length);
    this.random.fill(this.accounts, 0, this.accounts.length);
    this.random.fill(this.signatures, 0, this.signatures.length);
    this.kinds = eventKinds(this.random);
  }

  /** Advances to the next log's block and transaction. */
  step(): void {
    if (this.logsLeftInBlock === 0) {
      this.blockNumber++;
      this.random.fill(this.blockHash, 0, 32);
      this.logsLeftInBlock = 50 + this.random.int(301); // 50–350, ~200 on average
      this.logIndex = 0;
      this.transactionIndex = this.random.int(3);
      this.logsLeftInTransaction = 0;
    } else {
      this.logIndex++;
    }
    if (this.logsLeftInTransaction === 0) {
      if (this.logIndex > 0) this.transactionIndex += 1 + this.random.int(3); // transactions without logs in between
      this.random.fill(this.transactionHash, 0, 32);
      this.logsLeftInTransaction = 1 + this.random.skewed(4);
    }
    this.logsLeftInBlock--;
    this.logsLeftInTransaction--;
  }
}

/** A Binary column under construction: offsets, bytes, and (when nullable) a validity bitmap. */
class BinaryBuilder {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  readonly validity: Uint8Array;
  nulls = 0;
  private row = 0;

  constructor(rows: number, maxBytesPerRow: number) {
    this.offsets = new Int32Array(rows + 1);
    this.bytes = new Uint8Array(rows * maxBytesPerRow);
    this.validity = new Uint8Array(Math.ceil(rows / 8));
  }

  /** Reserves `length` bytes for the next value and returns their offset in `bytes`. */
  push(length: number): number {
    const start = this.offsets[this.row]!;
    this.validity[this.row >> 3]! |= 1 << (this.row & 7);
    this.offsets[++this.row] = start + length;
    return start;
  }

  pushCopy(source: Uint8Array, sourceOffset: number, length: number): void {
    const start = this.push(length);
    this.bytes.set(source.subarray(sourceOffset, sourceOffset + length), start);
  }

  pushNull(): void {
    this.offsets[this.row + 1] = this.offsets[this.row]!;
    this.row++;
    this.nulls++;
  }

  build(nullable: boolean): Data<Binary> {
    const length = this.row;
    const end = this.offsets[length]!;
    return makeData({
      type: new Binary(),
      length,
      nullCount: nullable ? this.nulls : 0,
      nullBitmap: nullable ? this.validity : null,
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, end),
    });
  }
}

function generateBatch(state: LogsState, rows: number): RecordBatch {
  const { random } = state;
  const blockNumber = new Uint32Array(rows);
  const transactionIndex = new Uint32Array(rows);
  const logIndex = new Uint32Array(rows);
  const nDataBytes = new Uint32Array(rows);
  const chainId = new BigUint64Array(rows).fill(CHAIN_ID);
  const blockHash = new BinaryBuilder(rows, 32);
  const transactionHash = new BinaryBuilder(rows, 32);
  const address = new BinaryBuilder(rows, 20);
  const topics = [0, 1, 2, 3].map(() => new BinaryBuilder(rows, 32));
  const data = new BinaryBuilder(rows, MAX_DATA_BYTES);

  for (let row = 0; row < rows; row++) {
    state.step();
    blockNumber[row] = state.blockNumber;
    transactionIndex[row] = state.transactionIndex;
    logIndex[row] = state.logIndex;
    blockHash.pushCopy(state.blockHash, 0, 32);
    transactionHash.pushCopy(state.transactionHash, 0, 32);

    const contract = random.skewed(CONTRACTS);
    address.pushCopy(state.contracts, contract * 20, 20);
    // Each contract emits one of two event kinds, fixed per contract; its signature is fixed too.
    const kindIndex = (contract * 7 + random.int(2)) % state.kinds.length;
    const kind = state.kinds[kindIndex]!;
    const signature = (contract * 3 + kindIndex) % EVENT_SIGNATURES;
    for (let t = 0; t < 4; t++) {
      const topic = topics[t]!;
      if (t >= kind.topics) topic.pushNull();
      else if (t === 0) topic.pushCopy(state.signatures, signature * 32, 32);
      else if (t <= kind.accountTopics) writeAccountWord(topic.bytes, topic.push(32), state, random);
      else writeUintWord(topic.bytes, topic.push(32), random, 4);
    }

    const words = Math.min(kind.dataWords(), MAX_DATA_BYTES / 32);
    const start = data.push(words * 32);
    for (let w = 0; w < words; w++) {
      if (random.int(4) === 0) writeAccountWord(data.bytes, start + w * 32, state, random);
      else writeUintWord(data.bytes, start + w * 32, random, 4 + random.int(9));
    }
    nDataBytes[row] = words * 32;
  }

  const u32 = (values: Uint32Array): Data<Uint32> => makeData({ type: new Uint32(), length: rows, data: values });
  const children: Data[] = [
    u32(blockNumber),
    blockHash.build(false),
    u32(transactionIndex),
    u32(logIndex),
    transactionHash.build(false),
    address.build(false),
    ...topics.map((topic) => topic.build(true)),
    data.build(false),
    u32(nDataBytes),
    makeData({ type: new Uint64(), length: rows, data: chainId }),
  ];
  return new RecordBatch(
    CRYO_SCHEMAS.logs,
    makeData({ type: new Struct(CRYO_SCHEMAS.logs.fields), length: rows, nullCount: 0, children }),
  );
}

/** A 32-byte word holding an account address: 12 zero bytes, then 20 address bytes. */
function writeAccountWord(target: Uint8Array, offset: number, state: LogsState, random: Random): void {
  const account = random.skewed(ACCOUNTS);
  target.fill(0, offset, offset + 12);
  target.set(state.accounts.subarray(account * 20, account * 20 + 20), offset + 12);
}

/** A big-endian uint256 with `significantBytes` random low bytes and zeros above them. */
function writeUintWord(target: Uint8Array, offset: number, random: Random, significantBytes: number): void {
  target.fill(0, offset, offset + 32 - significantBytes);
  random.fill(target, offset + 32 - significantBytes, significantBytes);
}

/** Yields `rows` logs rows in batches of `batchRows`. */
export function* generateLogBatches(options: LogsGeneratorOptions): Generator<RecordBatch, void, undefined> {
  const state = new LogsState(options.seed ?? DEFAULT_SEED);
  for (let done = 0; done < options.rows; done += options.batchRows) {
    yield generateBatch(state, Math.min(options.batchRows, options.rows - done));
  }
}
