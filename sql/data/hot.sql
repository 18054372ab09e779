-- Statements on hot data tables (src/state/hotRows.ts). {{table}} is a data table, resolved and
-- quoted by the caller from a fixed list of datasets.

-- name: deleteRange
-- Clears a chain's rows in [$2, $3) before the range is loaded again.
DELETE FROM {{table}} WHERE chain_id = $1 AND block_number >= $2 AND block_number < $3;

-- name: trimBehindWatermark
-- Deletes hot rows more than $1 blocks below the newest hot block of their chain, but only those
-- inside a range whose cold file is registered: the cold copy serves them from then on.
DELETE FROM {{table}} t
USING (SELECT chain_id, max(block_number) - $1 AS watermark FROM {{table}} GROUP BY chain_id) w
WHERE t.chain_id = w.chain_id AND t.block_number < w.watermark
  AND EXISTS (SELECT 1 FROM dataset_versions v
              WHERE v.dataset = $2 AND v.chain_id = t.chain_id AND v.range_start <= t.block_number AND v.range_end > t.block_number);
