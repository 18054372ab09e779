-- Statements of compaction planning and of the tiers status shows (actors/state/compactions.ts).
-- Compactions are the tasks of operator 'compact' (COMPACT_OPERATOR; spelled out here so the
-- partial index tasks_live_compactions serves these lookups).
-- A version is in the hot tier while it reaches into the newest $retention blocks of its dataset on
-- its chain (range_end > tip_end − retention, dataset_tips), else in the cold tier.

-- name: lockPlanner
-- One compaction planner at a time per installation (planning takes milliseconds; another waits).
SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':compaction planner'));

-- name: compactionsInFlight
SELECT count(*)::int AS n FROM tasks
WHERE operator = 'compact' AND (status IN ('pending', 'queued', 'running') OR (status = 'failed' AND next_retry_at IS NOT NULL));

-- name: compactionCandidates
-- Live versions of the datasets $1 in the cold tier (retention $2 blocks) that are smaller than a
-- compacted file ($3 blocks, $4 bytes), lowest range first per dataset and chain. in_flight: a
-- compaction that is planned, running or due for a retry covers it.
SELECT v.version_id::text AS version_id, v.dataset, v.chain_id::text AS chain_id, v.range_start::text AS range_start,
       v.range_end::text AS range_end, v.bytes::text AS bytes, v.config_hash,
       EXISTS (SELECT 1 FROM tasks c
               WHERE c.operator = 'compact' AND (c.status IN ('pending', 'queued', 'running') OR (c.status = 'failed' AND c.next_retry_at IS NOT NULL))
                 AND c.params ->> 'dataset' = v.dataset AND (c.params ->> 'chain_id')::bigint = v.chain_id
                 AND (c.params ->> 'start')::bigint < v.range_end AND (c.params ->> 'end')::bigint > v.range_start) AS in_flight
FROM dataset_versions v
JOIN dataset_tips t ON t.dataset = v.dataset AND t.chain_id = v.chain_id
WHERE v.superseded_at IS NULL AND v.dataset = ANY ($1::text[])
  AND v.range_end <= t.tip_end - $2 AND v.range_end - v.range_start < $3 AND v.bytes < $4
ORDER BY v.dataset, v.chain_id, v.range_start;

-- name: tierSpans
-- Per dataset $2 on chain $1: the span of its live versions in the hot tier (retention $3 blocks)
-- and in the cold tier, and how many cold-tier versions (files) there are.
SELECT v.dataset,
       min(v.range_start) FILTER (WHERE v.range_end > t.tip_end - $3)::text AS hot_from,
       max(v.range_end) FILTER (WHERE v.range_end > t.tip_end - $3)::text AS hot_to,
       min(v.range_start) FILTER (WHERE v.range_end <= t.tip_end - $3)::text AS cold_from,
       max(v.range_end) FILTER (WHERE v.range_end <= t.tip_end - $3)::text AS cold_to,
       count(*) FILTER (WHERE v.range_end <= t.tip_end - $3)::int AS cold_versions
FROM dataset_versions v
JOIN dataset_tips t ON t.dataset = v.dataset AND t.chain_id = v.chain_id
WHERE v.superseded_at IS NULL AND v.chain_id = $1 AND v.dataset = ANY ($2::text[])
GROUP BY v.dataset;
