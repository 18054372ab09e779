-- Statements on hot data tables (src/state/hotRows.ts). {{table}} is a data table, resolved and
-- quoted by the caller from a fixed list of datasets.

-- name: deleteRange
-- Clears a chain's rows in [$2, $3) before the range is loaded again.
DELETE FROM {{table}} WHERE chain_id = $1 AND block_number >= $2 AND block_number < $3;
