-- Statements of the Query Service's registry snapshot (actors/query/registrySnapshot.ts). They run in
-- one REPEATABLE READ transaction, so a query sees one registry state from planning to last row.

-- name: exportSnapshot
-- Names the transaction's snapshot: the pool thread that reads hot rows imports it, so it reads
-- exactly the rows that belong to the versions planned here, whatever commits meanwhile.
SELECT pg_export_snapshot() AS snapshot_id;

-- name: liveVersions
-- The live versions of the datasets $1 with the tip of their dataset on their chain (the end of its
-- newest live version), lowest range first.
SELECT v.version_id::text AS version_id, v.dataset, v.chain_id::text AS chain_id, v.range_start::text AS range_start,
       v.range_end::text AS range_end, v.bucket, v.object_keys, v.row_count::text AS row_count, v.config_hash, t.tip_end::text AS tip_end
FROM dataset_versions v
JOIN dataset_tips t ON t.dataset = v.dataset AND t.chain_id = v.chain_id
WHERE v.dataset = ANY ($1::text[]) AND v.superseded_at IS NULL
ORDER BY v.dataset, v.chain_id, v.range_start, v.version_id;

-- name: newestBlock
-- The newest block chain $1 has registered in a synced dataset $2 (a tip template's default block).
SELECT (max(tip_end) - 1)::text AS block FROM dataset_tips WHERE chain_id = $1 AND dataset = ANY ($2::text[]);

-- name: registeredChains
-- Chains with committed data: a template's chain_id defaults to the only one.
SELECT DISTINCT chain_id::text AS chain_id FROM dataset_versions ORDER BY 1 LIMIT 2;
