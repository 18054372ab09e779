-- name: stake_by_validator
-- description: Stake in wei of every validator created up to a block, from the staking precompile's Delegate and Undelegate logs.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param block: block — The block whose closing stake is reported
-- columns: validator_id, stake_wei

-- stake(v) = Σ Delegate amounts − Σ Undelegate amounts of validator v over blocks ≤ block (the
-- stake_changes macro in sql/query_macros.sql decodes Monad's staking events).
-- Every created validator is listed, 0 included (its ValidatorCreated log moves 0).
SELECT validator_id, sum(amount) AS stake_wei
FROM stake_changes($chain_id, $block)
GROUP BY validator_id
ORDER BY validator_id
