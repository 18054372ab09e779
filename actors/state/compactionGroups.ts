/**
 * Which small versions one compaction merges: runs of contiguous live versions in the cold tier,
 * cut into groups that each span at least the compacted file's blocks, or fewer once they reach its
 * bytes. A run's trailing group that is not full yet waits for more ranges to cross the boundary.
 */

/** A live, small, cold-tier version as the planner lists it (sql/state/compactions.sql). */
export interface CompactionCandidate {
  version_id: string;
  dataset: string;
  chain_id: string;
  range_start: string;
  range_end: string;
  bytes: string;
  config_hash: string;
  /** A compaction planned or running covers it already. */
  in_flight: boolean;
}

/** One compaction to run: the versions it merges cover [start, end) exactly. */
export interface CompactionGroup {
  dataset: string;
  chainId: number;
  start: number;
  end: number;
  versionIds: string[];
  bytes: number;
}

export interface CompactionLimits {
  /** A group closes once it spans this many blocks… */
  blocks: number;
  /** …or holds this many bytes. */
  bytes: number;
}

/** The full groups of `candidates` (ordered by dataset, chain, range start), in that order. */
export function compactionGroups(candidates: readonly CompactionCandidate[], limits: CompactionLimits): CompactionGroup[] {
  const groups: CompactionGroup[] = [];
  let open: CompactionGroup | undefined;
  let openHash = '';
  for (const c of candidates) {
    if (c.in_flight) {
      open = undefined;
      continue;
    }
    const start = Number(c.range_start);
    if (open === undefined || open.dataset !== c.dataset || open.chainId !== Number(c.chain_id) || openHash !== c.config_hash || open.end !== start) {
      open = { dataset: c.dataset, chainId: Number(c.chain_id), start, end: start, versionIds: [], bytes: 0 };
      openHash = c.config_hash;
    }
    open.end = Number(c.range_end);
    open.versionIds.push(c.version_id);
    open.bytes += Number(c.bytes);
    if (open.end - open.start >= limits.blocks || open.bytes >= limits.bytes) {
      groups.push(open);
      open = undefined;
    }
  }
  return groups;
}
