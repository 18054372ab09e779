-- The cold watermark of each dataset on each chain: the end of the contiguous run of registered
-- ranges that starts at the chain's lowest registered block. Below it every block is served from
-- cold files; above it, a registered range is served from its hot rows while it has them. Used by
-- the Query Service (which blocks come from where) and by the hot-row trim (only rows below the
-- watermark may leave Postgres), so the two can never disagree.
CREATE VIEW {{state}}.cold_watermarks AS
SELECT v.dataset, v.chain_id, min(v.range_end) AS watermark
FROM {{state}}.dataset_versions v
WHERE NOT EXISTS (
  SELECT 1 FROM {{state}}.dataset_versions n
  WHERE n.dataset = v.dataset AND n.chain_id = v.chain_id AND n.range_start <= v.range_end AND n.range_end > v.range_end
)
GROUP BY v.dataset, v.chain_id;
