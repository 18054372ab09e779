-- name: stake_history
-- description: Stake in wei of every validator at sampled blocks of a window: stake by validator over time.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param from_block: block = 0 — First block of the window
-- param to_block: block — Last block of the window, inclusive
-- param step: positive_int = 1 — Sample every step-th block (the last block is always included)
-- columns: block_number, validator_id, stake_wei

-- stake(v, N) = Σ Delegate − Σ Undelegate of validator v over blocks ≤ N, as stake_by_validator(N)
-- computes it, for every validator created by to_block at every sampled block (0 before it existed).
WITH changes AS (
  SELECT validator_id, block_number, sum(amount) AS delta
  FROM stake_changes($chain_id, $to_block)
  GROUP BY validator_id, block_number
),
running AS (
  SELECT validator_id, block_number, sum(delta) OVER (PARTITION BY validator_id ORDER BY block_number) AS stake_wei
  FROM changes
),
grid AS (
  SELECT s.block_number, v.validator_id
  FROM sampled_blocks($from_block, $to_block, $step) s
  CROSS JOIN (SELECT DISTINCT validator_id FROM changes) v
)
SELECT g.block_number, g.validator_id, coalesce(r.stake_wei, 0::HUGEINT) AS stake_wei
FROM grid g
ASOF LEFT JOIN running r ON r.validator_id = g.validator_id AND g.block_number >= r.block_number
ORDER BY g.block_number, g.validator_id
