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

/** Growable typed-array storage for the fixed-width columns. */
export class Values<A extends Uint32Array | BigUint64Array | Float64Array> {
  array: A;
  constructor(private readonly create: (length: number) => A) {
    this.array = create(INITIAL_CAPACITY);
  }
  set(index: number, value: A[number]): void {
    if (index >= this.array.length) {
      const grown = this.create(this.array.length * 2);
      grown.set(this.array as never);
      this.array = grown;
    }
    this.array[index] = value;
  }
  used(length: number): A {
    return this.array.subarray(0, length) as A;
  }
}

/** Binary and Utf8 offsets are Int32: a column holds at most 2 GiB per batch. */
function checkedSize(column: string, bytes: number): number {
  if (bytes > 0x7fff_ffff) throw new RangeError(`column ${column}: ${bytes} bytes exceed the 2 GiB of one Arrow batch; decode a smaller range`);
  return bytes;
}

/**
 * Offsets and data of a variable-width column from its values (null rows take no bytes): 0x-hex
 * strings decoded to bytes for Binary, text as UTF-8 for Utf8. `bytes` is the decoded total.
 */
export function variableWidth(
  column: string,
  values: readonly (string | null)[],
  bytes: number,
  encoding: 'hex' | 'utf8',
): { valueOffsets: Int32Array; data: Uint8Array } {
  const valueOffsets = new Int32Array(values.length + 1);
  const data = Buffer.allocUnsafe(checkedSize(column, bytes));
  let offset = 0;
  values.forEach((value, i) => {
    if (value !== null) offset += data.write(encoding === 'hex' ? value.slice(2) : value, offset, encoding);
    valueOffsets[i + 1] = offset;
  });
  return { valueOffsets, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
