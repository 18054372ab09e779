-- Statements of the Query Service's registry snapshot (actors/query/registrySnapshot.ts). They run in
-- one REPEATABLE READ transaction, so a query sees one registry state from planning to last row.

-- name: exportSnapshot
-- Names the transaction's snapshot: the pool thread that reads hot rows imports it, so it reads
-- exactly the rows that belong to the versions planned here, whatever commits meanwhile.
SELECT pg_export_snapshot() AS snapshot_id;

-- name: committedVersions
-- Committed versions of the datasets $1 with their chain's cold watermark, lowest range first.
SELECT v.version_id::text AS version_id, v.dataset, v.chain_id::text AS chain_id, v.range_start::text AS range_start,
       v.range_end::text AS range_end, v.bucket, v.object_keys, v.row_count::text AS row_count, w.watermark::text AS watermark
FROM dataset_versions v
JOIN cold_watermarks w ON w.dataset = v.dataset AND w.chain_id = v.chain_id
WHERE v.dataset = ANY ($1::text[])
ORDER BY v.dataset, v.chain_id, v.range_start, v.version_id;

-- name: registeredChains
-- Chains with committed data: a template's chain_id defaults to the only one.
SELECT DISTINCT chain_id::text AS chain_id FROM dataset_versions ORDER BY 1 LIMIT 2;
