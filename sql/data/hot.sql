-- Statements on hot data tables (actors/state/hotRows.ts). {{table}} is a data table, resolved and
-- quoted by the caller from a fixed list of datasets; {{columns}} its quoted catalog columns.

-- name: deleteRange
-- Clears a chain's rows in [$2, $3) before the range is loaded again.
DELETE FROM {{table}} WHERE chain_id = $1 AND block_number >= $2 AND block_number < $3;

-- name: trimOldRanges
-- Deletes the hot rows of the cold tier: of the live versions ($2 names the dataset) that end $1
-- blocks or more below the tip of their dataset on their chain (dataset_tips), whole ranges only.
-- Every version has its Parquet file, which serves it from then on, so a range is never half hot,
-- and this caps hot tables even behind a failed range's gap.
DELETE FROM {{table}} t
USING dataset_tips k, dataset_versions v
WHERE k.dataset = $2 AND v.dataset = $2 AND v.chain_id = k.chain_id AND v.superseded_at IS NULL
  AND v.range_end <= k.tip_end - $1
  AND t.chain_id = v.chain_id AND t.block_number >= v.range_start AND t.block_number < v.range_end;

-- name: rangesWithRows
-- Which of the ranges (chain ids $1, starts $2, ends $3) hold rows in {{table}}, by 1-based ordinal.
SELECT r.ordinal::int AS ordinal
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(chain_id, range_start, range_end, ordinal)
WHERE EXISTS (SELECT 1 FROM {{table}} t
              WHERE t.chain_id = r.chain_id AND t.block_number >= r.range_start AND t.block_number < r.range_end);

-- name: readRanges
-- The {{columns}} of the rows of {{table}} in the ranges (chain ids $1, starts $2, ends $3), read by
-- the Query Service inside the query's imported snapshot.
SELECT {{columns}}
FROM {{table}} t
JOIN unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(chain_id, range_start, range_end)
  ON t.chain_id = r.chain_id AND t.block_number >= r.range_start AND t.block_number < r.range_end;
