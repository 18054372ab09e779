-- Compaction: a version that merges the small versions of a span supersedes them. They stay in the
-- registry (a late retry of one of their ranges finds it registered and registers nothing) but no
-- longer serve queries; their files are deleted once no pinned query can still read them.

-- superseded_at / superseded_xid: when and by which transaction the compaction that superseded the
-- version committed. A snapshot that cannot see that transaction (its xmin is at or before it) may
-- still read the version; the janitor deletes its files only once no backend's xmin is that old.
-- superseded_by: the compacted version. objects_deleted_at: its files are gone (the row stays).
ALTER TABLE {{state}}.dataset_versions
  ADD COLUMN superseded_by bigint REFERENCES {{state}}.dataset_versions,
  ADD COLUMN superseded_at timestamptz,
  ADD COLUMN superseded_xid xid,
  ADD COLUMN objects_deleted_at timestamptz,
  ADD CONSTRAINT dataset_versions_superseded_whole CHECK ((superseded_at IS NULL) = (superseded_xid IS NULL)),
  ADD CONSTRAINT dataset_versions_deleted_when_superseded CHECK (objects_deleted_at IS NULL OR superseded_at IS NOT NULL);

-- Live versions of a synced dataset never overlap on one chain (one version serves each block); a
-- compacted version overlaps the superseded versions it covers, so the rule holds for live ones only.
ALTER TABLE {{state}}.dataset_versions DROP CONSTRAINT dataset_versions_synced_ranges_do_not_overlap;
ALTER TABLE {{state}}.dataset_versions ADD CONSTRAINT dataset_versions_synced_ranges_do_not_overlap
  EXCLUDE USING gist (dataset WITH =, chain_id WITH =, int8range(range_start, range_end) WITH &&)
  WHERE (dataset IN ('blocks', 'transactions', 'logs', 'geth_calls') AND superseded_at IS NULL);

-- The janitor's list of superseded versions whose files may still exist.
CREATE INDEX dataset_versions_superseded_files ON {{state}}.dataset_versions (superseded_at)
  WHERE superseded_at IS NOT NULL AND objects_deleted_at IS NULL;

-- The tip of each dataset on each chain: the end of its newest live version. The hot boundary is
-- this tip minus TRACE_HOT_RETENTION_BLOCKS; the Query Service, the compaction planner, the hot-row
-- trim and status all measure from it, so they never disagree about which tier a range is in.
-- (The cold watermark it replaces followed every commit, so the hot tier held nothing a query read.)
DROP VIEW {{state}}.cold_watermarks;
CREATE VIEW {{state}}.dataset_tips AS
SELECT dataset, chain_id, max(range_end) AS tip_end
FROM {{state}}.dataset_versions
WHERE superseded_at IS NULL
GROUP BY dataset, chain_id;

-- The compaction planner looks up the compactions still planned or running at every tick.
CREATE INDEX tasks_live_compactions ON {{state}}.tasks (task_id)
  WHERE operator = 'compact' AND status IN ('pending', 'queued', 'running', 'failed');
