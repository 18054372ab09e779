-- name: stake_by_validator
-- description: Stake in wei of every validator created up to a block, from the staking precompile's Delegate and Undelegate logs.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param block: block — The block whose closing stake is reported
-- columns: validator_id, stake_wei

-- stake(v) = Σ Delegate amounts − Σ Undelegate amounts of validator v over blocks ≤ block, from the
-- logs of the staking precompile 0x…1000 with Monad's event signatures:
--   ValidatorCreated(uint64 indexed validatorId, address indexed authAddress, uint256 commission)
--   Delegate(uint64 indexed validatorId, address indexed delegator, uint256 amount, uint64 activationEpoch)
--   Undelegate(uint64 indexed validatorId, address indexed delegator, uint8 withdrawId, uint256 amount, uint64 activationEpoch)
-- validatorId is topic1; the amount is data word 0 of Delegate and data word 1 of Undelegate.
-- addValidator's initial stake emits a Delegate. Stake changes count at once (execution view, as
-- getValidator(id).stake), not at the activation epoch. Every created validator is listed, 0 included.
WITH staking_logs AS (
  SELECT topic0, u256(topic1)::BIGINT AS validator_id, hex(data) AS data_hex
  FROM logs
  WHERE chain_id = $chain_id
    AND block_number <= $block
    AND address = from_hex('0000000000000000000000000000000000001000')
    AND topic0 IN (
      from_hex('6f8045cd38e512b8f12f6f02947c632e5f25af03aad132890ecf50015d97c1b2'), -- ValidatorCreated
      from_hex('e4d4df1e1827dd28252fd5c3cd7ebccd3da6e0aa31f74c828f3c8542af49d840'), -- Delegate
      from_hex('3e53c8b91747e1b72a44894db10f2a45fa632b161fdcdd3a17bd6be5482bac62')  -- Undelegate
    )
)
SELECT
  validator_id,
  coalesce(sum(CASE topic0
    WHEN from_hex('e4d4df1e1827dd28252fd5c3cd7ebccd3da6e0aa31f74c828f3c8542af49d840')
      THEN u256(from_hex(substr(data_hex, 1, 64)))   -- Delegate: amount, word 0
    WHEN from_hex('3e53c8b91747e1b72a44894db10f2a45fa632b161fdcdd3a17bd6be5482bac62')
      THEN -u256(from_hex(substr(data_hex, 65, 64))) -- Undelegate: amount, word 1
  END), 0::HUGEINT) AS stake_wei
FROM staking_logs
GROUP BY validator_id
ORDER BY validator_id
