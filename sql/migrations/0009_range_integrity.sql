-- Registered ranges of a chain-synced dataset never overlap on one chain: one version serves each
-- block, whichever attempt, task or job registered it. Before, a stale attempt that fetched from a
-- reorganised fork could register beside its re-planned successor (rows twice in queries).
-- btree_gist gives gist the `=` on dataset and chain. It is installed once per database, in public
-- (not in an installation's schema, so dropping one installation keeps it); the lock serialises
-- installations migrating at the same time.
SELECT pg_advisory_xact_lock(hashtext('trace-lite:create-extension'));
CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;

-- Versions that overlap an earlier one (registered before this constraint) leave the registry; their
-- objects go back to staging, where the janitor deletes them. The earliest version stays visible.
WITH overlapping AS (
  DELETE FROM {{state}}.dataset_versions v
  WHERE v.dataset IN ('blocks', 'transactions', 'logs', 'geth_calls')
    AND EXISTS (SELECT 1 FROM {{state}}.dataset_versions e
                WHERE e.dataset = v.dataset AND e.chain_id = v.chain_id AND e.version_id < v.version_id
                  AND e.range_start < v.range_end AND e.range_end > v.range_start)
  RETURNING v.bucket, v.object_keys, v.manifest_key, v.task_id, v.attempt
)
INSERT INTO {{state}}.staged_objects (bucket, object_key, task_id, attempt)
SELECT o.bucket, key, o.task_id, o.attempt FROM overlapping o, unnest(o.object_keys || o.manifest_key) AS key
ON CONFLICT (bucket, object_key) DO NOTHING;

-- The synced datasets (the catalog's hot datasets; test/sync/rangeIntegrity.test.ts holds the two
-- lists together). balances and analytics outputs may overlap by design.
ALTER TABLE {{state}}.dataset_versions ADD CONSTRAINT dataset_versions_synced_ranges_do_not_overlap
  EXCLUDE USING gist (dataset WITH =, chain_id WITH =, int8range(range_start, range_end) WITH &&)
  WHERE (dataset IN ('blocks', 'transactions', 'logs', 'geth_calls'));

-- A cancelled attempt (its range invalidated by a reorg) is history like the others.
ALTER TABLE {{state}}.task_attempts DROP CONSTRAINT task_attempts_outcome_check;
ALTER TABLE {{state}}.task_attempts ADD CONSTRAINT task_attempts_outcome_check
  CHECK (outcome IN ('running', 'succeeded', 'failed', 'lease_expired', 'handed_back', 'cancelled'));

-- The hash of each block as the committed ranges read it, one per (chain, block): a range read
-- from another fork than one already committed is refused at its commit, and the tip follower
-- compares these with the node, whichever datasets a job syncs (before: hot `blocks` rows only,
-- so a transactions range fetched from a replaced fork went unnoticed).
CREATE TABLE {{state}}.block_hashes (
  chain_id     bigint NOT NULL,
  block_number bigint NOT NULL,
  block_hash   bytea  NOT NULL,
  PRIMARY KEY (chain_id, block_number)
);
