/**
 * 0x-hex strings as JSON-RPC sends them, read character by character: validated and decoded in one
 * pass, with no regular expression, substring, BigInt or byte array made per value. The syntax is
 * viem's strict `isHex`: `0x` (lower-case x), then digits 0-9, a-f, A-F.
 */

/** The value of each ASCII hex digit by character code, -1 for every other character. */
const DIGITS = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) DIGITS[0x30 + d] = d;
for (let d = 0; d < 6; d++) {
  DIGITS[0x61 + d] = 10 + d;
  DIGITS[0x41 + d] = 10 + d;
}

/** The value of the character at `index` as a hex digit, -1 if it is none. */
function digitAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? DIGITS[code]! : -1;
}

/** Digits up to 13 (below 2^52) make a number exactly. */
const MAX_NUMBER_DIGITS = 13;

/** Whether `value` is a string that starts with `0x`. */
export function hasHexPrefix(value: unknown): value is string {
  return typeof value === 'string' && value.charCodeAt(0) === 0x30 && value.charCodeAt(1) === 0x78;
}

/** How many digits follow the `0x` of a hex quantity (`0x` and one or more digits); -1 for anything else. */
export function quantityDigits(value: unknown): number {
  if (!hasHexPrefix(value) || value.length < 3) return -1;
  for (let i = 2; i < value.length; i++) if (digitAt(value, i) < 0) return -1;
  return value.length - 2;
}

/** The value of a hex quantity of 1 to 13 digits; -1 for anything else (longer, or not a quantity). */
export function smallQuantity(value: unknown): number {
  if (!hasHexPrefix(value) || value.length < 3 || value.length > MAX_NUMBER_DIGITS + 2) return -1;
  let number = 0;
  for (let i = 2; i < value.length; i++) {
    const digit = digitAt(value, i);
    if (digit < 0) return -1;
    number = number * 16 + digit;
  }
  return number;
}

/**
 * Decodes the digits of `hex` after its `0x` into `out` from `at`, the last digit in the last byte
 * of `byteLength` bytes and the bytes before the first digit zero (an odd count of digits, or a
 * quantity shorter than its width). False, with `out` partly written, when a character is not a
 * hex digit; the caller checked the prefix and that the digits fit.
 */
export function decodeHexInto(hex: string, out: Uint8Array, at: number, byteLength: number): boolean {
  const digits = hex.length - 2;
  let o = at + byteLength - ((digits + 1) >> 1);
  if (o > at) out.fill(0, at, o);
  let i = 2;
  if (digits % 2 === 1) {
    const low = digitAt(hex, i++);
    if (low < 0) return false;
    out[o++] = low;
  }
  for (; i < hex.length; i += 2) {
    const high = digitAt(hex, i);
    const low = digitAt(hex, i + 1);
    if ((high | low) < 0) return false;
    out[o++] = (high << 4) | low;
  }
  return true;
}
