/**
 * The synthetic chain's deterministic draws: a PRNG seed per (chain seed, block, purpose) and
 * hash-like values taken from a block's PRNG.
 */
import type { Hash } from 'viem';
import type { Random } from '../../drivers/devnet/random.js';

/** The seed of the PRNG for one purpose (`salt`) at one block. */
export function mixSeed(seed: number, block: number, salt: number): number {
  return (Math.imul(seed ^ salt, 0x9e3779b1) ^ Math.imul(block + 1, 0x85ebca6b)) >>> 0;
}

const hashBytes = Buffer.alloc(32);

/**
 * A hash-like 32 bytes: 24 random bytes from the block's PRNG, then two numbers that make it
 * unique. The draws happen whether or not the hash is wanted (`format` false while the state is
 * only being advanced), so every later draw of the block is the same either way.
 */
export function randomHash(rng: Random, a: number, b: number, format = true): Hash {
  for (let i = 0; i < 6; i++) hashBytes.writeUInt32BE(rng.uint32(), i * 4);
  if (!format) return '0x';
  hashBytes.writeUInt32BE(a >>> 0, 24);
  hashBytes.writeUInt32BE(b >>> 0, 28);
  return `0x${hashBytes.toString('hex')}`;
}
