/** A `--name` value that must be a positive integer; `fallback` when the flag is absent. */
export function positiveIntOption(text: string | undefined, fallback: number, name: string): number {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}
