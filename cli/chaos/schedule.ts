/**
 * When the injections of a kind happen: N moments drawn from a PRNG seeded with the run's seed and
 * the kind's name, spread over the undisturbed sync's duration (each moment in its own slice of it,
 * so they cover the run from start to end instead of bunching), in ms from the job's submission.
 */

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
