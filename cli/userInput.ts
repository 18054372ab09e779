import { InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { UsageError } from './usageError.js';

/** An option value that must be a positive integer (commander reports the mistake). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** An option value that must be a block number: an integer, 0 or more. */
export function blockNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a block number (an integer, 0 or more)');
  return n;
}

/** A file the user named, or a UsageError saying why it cannot be read. */
export async function readUserFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}
