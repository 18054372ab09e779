-- name: stake_concentration
-- description: Concentration of stake over the validators with non-zero stake at a block: Gini, top-k share, Nakamoto coefficient, HHI.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param block: block — The block whose closing stake is measured
-- param k: positive_int = 5 — How many of the largest validators the top-k share adds up
-- columns: gini, top_k_share, nakamoto_33, hhi, validators

-- Stakes x_1..x_n as stake_by_validator computes them (Σ Delegate − Σ Undelegate), keeping x > 0;
-- S = Σ x. Sums are exact (HUGEINT); only the final ratios are DOUBLE.
--   gini        = Σ_i Σ_j |x_i − x_j| / (2 n S), via the sorted form (2 Σ_i i·x_(i) − (n + 1) S) / (n S)
--                 with x_(1) ≤ … ≤ x_(n); 0 = equal stakes, → 1 = one validator holds everything.
--   top_k_share = (sum of the k largest stakes) / S, a fraction in [0, 1].
--   nakamoto_33 = the fewest validators whose stake together is MORE than S / 3 (largest first).
--   hhi         = Σ (100 · x_i / S)², on the 0–10,000 scale.
--   validators  = n. With no staked validator: one row, validators 0, the rest NULL.
WITH stakes AS (
  SELECT validator_id, sum(amount) AS stake_wei
  FROM stake_changes($chain_id, $block)
  GROUP BY validator_id
  HAVING stake_wei > 0
),
ranked AS (
  SELECT
    stake_wei,
    row_number() OVER (ORDER BY stake_wei) AS ascending,
    row_number() OVER (ORDER BY stake_wei DESC, validator_id) AS descending,
    sum(stake_wei) OVER (ORDER BY stake_wei DESC, validator_id ROWS UNBOUNDED PRECEDING) AS running_wei,
    sum(stake_wei) OVER () AS total_wei,
    count(*) OVER () AS n
  FROM stakes
)
SELECT
  ((2 * sum(ascending * stake_wei) - (any_value(n) + 1) * any_value(total_wei))::DOUBLE
    / (any_value(n) * any_value(total_wei))::DOUBLE) AS gini,
  (sum(stake_wei) FILTER (WHERE descending <= $k))::DOUBLE / any_value(total_wei)::DOUBLE AS top_k_share,
  (min(descending) FILTER (WHERE 3 * running_wei > total_wei))::INTEGER AS nakamoto_33,
  10000 * sum(power(stake_wei::DOUBLE / total_wei::DOUBLE, 2)) AS hhi,
  count(*) AS validators
FROM ranked
