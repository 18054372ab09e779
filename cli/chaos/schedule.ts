/**
 * When the injections of a kind happen: N moments drawn from a PRNG seeded with the run's seed and
 * the kind's name, spread over the undisturbed sync's duration (each moment in its own slice of it,
 * so they cover the run from start to end instead of bunching), in ms from the job's submission.
 */

/** mulberry32: small, fast and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of one kind's PRNG: the run's seed mixed with the kind's name (FNV-1a). */
export function kindSeed(seed: number, kind: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of kind) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash >>> 0;
}

export function injectionMoments(random: () => number, injections: number, spanMs: number): number[] {
  const slice = spanMs / Math.max(1, injections);
  return Array.from({ length: injections }, (_, i) => Math.round(slice * (i + random())));
}
