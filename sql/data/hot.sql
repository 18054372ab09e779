-- Statements on hot data tables (actors/state/hotRows.ts). {{table}} is a data table, resolved and
-- quoted by the caller from a fixed list of datasets.

-- name: deleteRange
-- Clears a chain's rows in [$2, $3) before the range is loaded again.
DELETE FROM {{table}} WHERE chain_id = $1 AND block_number >= $2 AND block_number < $3;

-- name: trimBehindWatermark
-- Deletes hot rows more than $1 blocks below the newest hot block of their chain, but only below
-- the dataset's cold watermark ($2 names the dataset): the cold files serve them from then on, and
-- a registered range above the watermark keeps its hot rows, which are its only served copy.
DELETE FROM {{table}} t
USING (SELECT chain_id, max(block_number) - $1 AS keep_from FROM {{table}} GROUP BY chain_id) k,
      cold_watermarks w
WHERE t.chain_id = k.chain_id AND t.block_number < k.keep_from
  AND w.dataset = $2 AND w.chain_id = t.chain_id AND t.block_number < w.watermark
  AND EXISTS (SELECT 1 FROM dataset_versions v
              WHERE v.dataset = $2 AND v.chain_id = t.chain_id AND v.range_start <= t.block_number AND v.range_end > t.block_number);

-- name: rangesWithRows
-- Which of the ranges (chain ids $1, starts $2, ends $3) hold rows in {{table}}, by 1-based ordinal.
SELECT r.ordinal::int AS ordinal
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(chain_id, range_start, range_end, ordinal)
WHERE EXISTS (SELECT 1 FROM {{table}} t
              WHERE t.chain_id = r.chain_id AND t.block_number >= r.range_start AND t.block_number < r.range_end);

-- name: readRanges
-- The rows of {{table}} in the ranges (chain ids $1, starts $2, ends $3), read by the Query Service
-- through a cursor inside the query's imported snapshot.
SELECT t.*
FROM {{table}} t
JOIN unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(chain_id, range_start, range_end)
  ON t.chain_id = r.chain_id AND t.block_number >= r.range_start AND t.block_number < r.range_end;
