-- name: total_supply_erc20
-- description: ERC-20 total supply at sampled blocks, from the token's Transfer logs (mints minus burns).
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param token: address — The ERC-20 contract
-- param from_block: block = 0 — First block of the window
-- param to_block: block — Last block of the window, inclusive
-- param step: positive_int = 1 — Sample every step-th block (the last block is always included)
-- columns: block_number, total_supply

-- supply(N) = Σ value of Transfer(0x0 → to) − Σ value of Transfer(from → 0x0) over blocks ≤ N,
-- cumulative from genesis whatever from_block is. Only ERC-20 shaped Transfer logs count: topic0 =
-- keccak256("Transfer(address,address,uint256)"), from and to indexed, the value as the 32-byte data
-- (ERC-721's Transfer has the same topic0 but a third indexed topic and no data).
-- Sampled blocks are range(from_block, to_block + 1, step) plus to_block.
WITH deltas AS (
  SELECT
    block_number,
    sum(CASE WHEN from_address = from_hex(repeat('00', 20)) THEN amount ELSE 0 END)   -- mints
      - sum(CASE WHEN to_address = from_hex(repeat('00', 20)) THEN amount ELSE 0 END) -- burns
      AS delta
  FROM erc20_transfers($chain_id, $token, $to_block)
  GROUP BY block_number
),
supply AS (
  SELECT block_number, sum(delta) OVER (ORDER BY block_number) AS total_supply
  FROM deltas
)
-- The supply at a sampled block is the running total of the last block ≤ it that moved the supply.
SELECT s.block_number, coalesce(supply.total_supply, 0::HUGEINT) AS total_supply
FROM sampled_blocks($from_block, $to_block, $step) s
ASOF LEFT JOIN supply ON s.block_number >= supply.block_number
ORDER BY s.block_number
