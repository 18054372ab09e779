/**
 * Growable Arrow buffers for the column builders: validity bitmaps, fixed-width value arrays, and
 * the offsets and data of variable-width columns.
 */
export const INITIAL_CAPACITY = 1024;

/** Validity bits, allocated on the first null so columns without nulls carry no bitmap. */
export class Validity {
  /** Bytes past the last row stay 0xff, so a row is valid unless marked null. */
  private bits: Uint8Array | undefined;
  nullCount = 0;

  markNull(index: number): void {
    const bits = this.ensure((index >> 3) + 1);
    bits[index >> 3]! &= ~(1 << (index & 7));
    this.nullCount++;
  }

  /** The bitmap covering `length` rows: rows after the last null need their (valid) bits too. */
  bitmap(length: number): Uint8Array | undefined {
    return this.bits === undefined ? undefined : this.ensure((length + 7) >> 3).subarray(0, (length + 7) >> 3);
  }

  private ensure(bytes: number): Uint8Array {
    if (this.bits === undefined || bytes > this.bits.length) {
      const grown = new Uint8Array(Math.max(INITIAL_CAPACITY >> 3, bytes, (this.bits?.length ?? 0) * 2)).fill(0xff);
      if (this.bits) grown.set(this.bits);
      this.bits = grown;
    }
    return this.bits;
  }
}

/** Growable typed-array storage for the fixed-width columns and the offsets of the variable-width ones. */
export class Values<A extends Int32Array | Uint32Array | BigUint64Array | Float64Array> {
  array: A;
  constructor(private readonly create: (length: number) => A) {
    this.array = create(INITIAL_CAPACITY);
  }
  set(index: number, value: A[number]): void {
    if (index >= this.array.length) this.grow(index + 1);
    this.array[index] = value;
  }
  used(length: number): A {
    return this.array.subarray(0, length) as A;
  }
  protected grow(length: number): void {
    const grown = this.create(Math.max(length, this.array.length * 2));
    grown.set(this.array as never);
    this.array = grown;
  }
}

/**
 * UInt64 storage that also takes numbers below 2^53 and stores them as their two 32-bit halves
 * (Arrow buffers are little-endian), with no BigInt made per value: a transactions row has eight
 * UInt64 columns.
 */
export class Uint64Values extends Values<BigUint64Array> {
  private halves: Uint32Array;
  constructor() {
    super((n) => new BigUint64Array(n));
    this.halves = new Uint32Array(this.array.buffer);
  }
  setNumber(index: number, value: number): void {
    if (index >= this.array.length) this.grow(index + 1);
    this.halves[2 * index] = value % 2 ** 32;
    this.halves[2 * index + 1] = Math.floor(value / 2 ** 32);
  }
  protected override grow(length: number): void {
    super.grow(length);
    this.halves = new Uint32Array(this.array.buffer);
  }
}

/** Binary and Utf8 offsets are Int32: a column holds at most 2 GiB per batch. */
function checkedSize(column: string, bytes: number): number {
  if (bytes > 0x7fff_ffff) throw new RangeError(`column ${column}: ${bytes} bytes exceed the 2 GiB of one Arrow batch; decode a smaller range`);
  return bytes;
}

/** The values of a variable-width column, appended byte range by byte range. */
export class VariableWidth {
  /** Room for INITIAL_CAPACITY 32-byte hashes at first; it doubles as needed. */
  private data = new Uint8Array(INITIAL_CAPACITY * 32);
  private bytes = 0;
  /** Offset of every row's end, after a 0 for the first row's start. */
  private readonly offsets = new Values((n) => new Int32Array(n));

  constructor(private readonly column: string) {}

  /** Where the next row's bytes start in `reserve`'s buffer. */
  get end(): number {
    return this.bytes;
  }

  /** The buffer, with room for the next row's `size` bytes from `end`. */
  reserve(size: number): Uint8Array {
    const needed = checkedSize(this.column, this.bytes + size);
    if (needed > this.data.length) {
      const grown = new Uint8Array(Math.max(needed, this.data.length * 2));
      grown.set(this.data.subarray(0, this.bytes));
      this.data = grown;
    }
    return this.data;
  }

  /** Ends row `row` after `size` more bytes (0 for a null row). */
  endRow(row: number, size: number): void {
    this.bytes += size;
    this.offsets.set(row + 1, this.bytes);
  }

  /** Offsets and data of `rows` rows. */
  finish(rows: number): { valueOffsets: Int32Array; data: Uint8Array } {
    return { valueOffsets: this.offsets.used(rows + 1), data: this.data.subarray(0, this.bytes) };
  }
}

/** Offsets and data of a variable-width column of text values (null rows take no bytes); `bytes` is their UTF-8 total. */
export function utf8Values(column: string, values: readonly (string | null)[], bytes: number): { valueOffsets: Int32Array; data: Uint8Array } {
  const valueOffsets = new Int32Array(values.length + 1);
  const data = Buffer.allocUnsafe(checkedSize(column, bytes));
  let offset = 0;
  values.forEach((value, i) => {
    if (value !== null) offset += data.write(value, offset, 'utf8');
    valueOffsets[i + 1] = offset;
  });
  return { valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
