-- name: total_supply_native
-- description: Native total supply in wei at every sampled block: genesis allocation plus every transaction's net balance change (geth_balance_diffs: burned fees) plus minted block rewards.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param from_block: block = 0 — First block of the window
-- param to_block: block — Last block of the window, inclusive
-- param step: positive_int = 1 — Sample every step-th block (the last block is always included)
-- param genesis_supply_wei: uint256 = config — Genesis allocation in wei (config TRACE_NATIVE_GENESIS_SUPPLY_WEI)
-- columns: block_number, total_supply_wei

-- supply(N) = genesis_supply_wei
--           + Σ (to_value − from_value) of geth_balance_diffs in blocks ≤ N
--             (what transactions created or destroyed: the EIP-1559 base fee burned; value and
--             priority fees only move between accounts, so they cancel)
--           + Σ value of the successful syscallReward system transactions in blocks ≤ N
--             (from Monad's system sender to the staking precompile: the block reward, minted
--             outside the transaction's balance changes — the transaction moves the reward from the
--             system sender, which is credited it outside any transaction, so no diff shows the mint)
-- The same diffs answer the native holders (sql/query_macros.sql native_balances), so the supply and
-- the balances agree at every block. Cumulative from genesis whatever from_block is. Sampled blocks
-- are range(from_block, to_block + 1, step) plus to_block; one that is not in `blocks` (not synced)
-- gets NULL rather than a guess.
WITH rewards AS (
  SELECT block_number, sum(u256(value_binary)) AS minted_wei
  FROM transactions
  WHERE chain_id = $chain_id
    AND block_number <= $to_block
    AND success
    AND from_address = from_hex('6f49a8f621353f12378d0046e7d7e4b9b249dc9e') -- Monad's system sender
    AND to_address = from_hex('0000000000000000000000000000000000001000')   -- the staking precompile
    AND starts_with(hex(input), '791BDCF3')                                   -- syscallReward(address)
  GROUP BY block_number
),
net_changes AS (
  SELECT block_number, sum(balance_after::HUGEINT - balance_before::HUGEINT) AS net_wei
  FROM native_diffs($chain_id)
  WHERE block_number <= $to_block
  GROUP BY block_number
),
supply AS (
  SELECT
    b.block_number,
    $genesis_supply_wei::HUGEINT
      + sum(coalesce(r.minted_wei, 0) + coalesce(d.net_wei, 0)) OVER (ORDER BY b.block_number) AS total_supply_wei
  FROM blocks b
  LEFT JOIN rewards r ON r.block_number = b.block_number
  LEFT JOIN net_changes d ON d.block_number = b.block_number
  WHERE b.chain_id = $chain_id AND b.block_number <= $to_block
)
SELECT s.block_number, supply.total_supply_wei
FROM sampled_blocks($from_block, $to_block, $step) s
LEFT JOIN supply ON supply.block_number = s.block_number
ORDER BY s.block_number
