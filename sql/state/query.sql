-- Statements of the Query Service's registry snapshot (actors/query/registrySnapshot.ts). They run in
-- one REPEATABLE READ transaction, so a query sees one registry state from planning to last row.

-- name: versionsInWindows
-- Exports the transaction's snapshot (the pool thread that reads hot rows imports it, so it reads
-- exactly the rows of the versions planned here, whatever commits meanwhile) and lists, in that
-- snapshot, the live versions of each dataset $1[i] that reach its block window [$2[i], $3[i]) ($3[i]
-- null: unbounded), each with the tip of its dataset on its chain (the end of its newest live
-- version), lowest range first. The indexes of migration 0015 serve both (the tip is always an
-- index look-up; the window is one once the registry outgrows a scan of a few hundred rows, ~0.1 ms),
-- so a window at the tip reads the newest few versions, not the history. One row with null
-- versions when none is reached.
WITH snapshot AS MATERIALIZED (SELECT pg_export_snapshot() AS snapshot_id)
SELECT s.snapshot_id, r.version_id, r.dataset, r.chain_id, r.range_start, r.range_end, r.bucket, r.object_keys, r.config_hash, r.tip_end
FROM snapshot s
LEFT JOIN (
  SELECT v.version_id::text AS version_id, v.dataset, v.chain_id::text AS chain_id, v.range_start::text AS range_start,
         v.range_end::text AS range_end, v.bucket, v.object_keys, v.config_hash, tip.range_end::text AS tip_end
  FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS w(dataset, block_from, block_to)
  JOIN dataset_versions v
    ON v.dataset = w.dataset AND v.superseded_at IS NULL AND v.range_end > w.block_from
       AND (w.block_to IS NULL OR v.range_start < w.block_to)
  CROSS JOIN LATERAL (
    SELECT t.range_end FROM dataset_versions t
    WHERE t.dataset = v.dataset AND t.chain_id = v.chain_id AND t.superseded_at IS NULL
    ORDER BY t.range_end DESC LIMIT 1
  ) tip
) r ON true
ORDER BY r.dataset, r.chain_id::bigint, r.range_start::bigint, r.version_id::bigint;

-- name: newestBlock
-- The newest block chain $1 has registered in a synced dataset $2 (a tip template's default block):
-- the end of each dataset's newest live version, by index (migration 0015).
SELECT (max(tip.range_end) - 1)::text AS block
FROM unnest($2::text[]) AS d(dataset)
CROSS JOIN LATERAL (
  SELECT t.range_end FROM dataset_versions t
  WHERE t.dataset = d.dataset AND t.chain_id = $1 AND t.superseded_at IS NULL
  ORDER BY t.range_end DESC LIMIT 1
) tip;

-- name: registeredChains
-- Chains with committed data: a template's chain_id defaults to the only one (smallest = largest).
-- Two index look-ups (migration 0015), whatever the history.
SELECT min(chain_id)::text AS first_chain, max(chain_id)::text AS last_chain FROM dataset_versions;
