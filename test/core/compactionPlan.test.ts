/** What compaction merges, and how a backfill far below the tip sizes its ranges: pure planning rules. */
import test from 'ava';
import { compactionGroups, type CompactionCandidate } from '../../actors/state/compactionGroups.js';
import { plannedRangeEnd } from '../../actors/state/syncJobs.js';

function candidate(start: number, end: number, extra: Partial<CompactionCandidate> = {}): CompactionCandidate {
  return {
    version_id: String(start),
    dataset: 'blocks',
    chain_id: '1',
    range_start: String(start),
    range_end: String(end),
    bytes: '1000',
    config_hash: 'c',
    in_flight: false,
    ...extra,
  };
}

const ranges = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step }, (_, i) => candidate(from + i * step, from + (i + 1) * step));

test('contiguous small ranges are cut into groups of at least the span; the trailing partial group waits', (t) => {
  const groups = compactionGroups(ranges(0, 2_500, 100), { blocks: 1_000, bytes: 1e9 });
  t.deepEqual(groups.map((g) => [g.start, g.end, g.versionIds.length]), [
    [0, 1_000, 10],
    [1_000, 2_000, 10],
  ]);
});

test('a gap, another chain or dataset, another config or a compaction in flight starts a new run', (t) => {
  const limits = { blocks: 300, bytes: 1e9 };
  t.deepEqual(compactionGroups([...ranges(0, 200, 100), ...ranges(300, 600, 100)], limits).map((g) => [g.start, g.end]), [[300, 600]], 'the gap at 200');
  const split = [candidate(0, 100), candidate(100, 200, { chain_id: '2' }), candidate(200, 300, { config_hash: 'other' }), candidate(300, 400, { in_flight: true })];
  t.deepEqual(compactionGroups(split, { blocks: 150, bytes: 1e9 }), []);
});

test('a group also closes once it holds the compacted file size', (t) => {
  const heavy = ranges(0, 1_000, 100).map((c) => ({ ...c, bytes: String(40 * 1024 * 1024) }));
  t.deepEqual(compactionGroups(heavy, { blocks: 1_000, bytes: 100 * 1024 * 1024 }).map((g) => [g.start, g.end]), [
    [0, 300],
    [300, 600],
    [600, 900],
  ]);
});

test('far below the target a backfill range spans a compacted file (aligned); near it, a chunk', (t) => {
  const policy = { retentionBlocks: 1_000, compactionBlocks: 1_000 };
  t.is(plannedRangeEnd(0, 10_000, 100, policy), 1_000);
  t.is(plannedRangeEnd(17, 10_000, 100, policy), 1_000, 'aligned to the span');
  t.is(plannedRangeEnd(0, 10_000, 5_000, policy), 5_000, 'a larger chunk size stays');
  t.is(plannedRangeEnd(8_500, 10_000, 100, policy), 9_000, 'up to the next span boundary below the hot tier');
  t.is(plannedRangeEnd(9_000, 10_000, 100, policy), 9_100, 'its span would reach into the hot tier: a chunk');
  t.is(plannedRangeEnd(9_950, 10_000, 100, policy), 10_000);
});
