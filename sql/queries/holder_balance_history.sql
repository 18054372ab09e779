-- name: holder_balance_history
-- description: Balances of the top-n holders at to_block (as top_holders ranks them) at every sampled block of the window.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param token: token — An ERC-20 contract address, or 'native' for the chain's coin
-- param n: positive_int = 10 — How many holders (the top n at to_block)
-- param from_block: block = 0 — First block of the window
-- param to_block: block — Last block of the window, inclusive; the holders are ranked here
-- param step: positive_int = 1 — Sample every step-th block (the last block is always included)
-- columns: block_number, address, balance

-- The holders: the n largest positive balances at to_block, ties broken by address, exactly as
-- top_holders(token, n, to_block). Their series, one row per (sampled block, holder):
-- ERC-20: balance(a, N) = Σ Transfer values into a − Σ out of a over blocks ≤ N (0 before a held any);
-- native: the `balances` row read at (N, a), NULL where that read was not backfilled.
-- Sampled blocks are range(from_block, to_block + 1, step) plus to_block.
WITH holders AS (
  SELECT address FROM ranked_holders($chain_id, $token, $to_block) WHERE rank <= $n
),
grid AS (
  SELECT s.block_number, h.address FROM sampled_blocks($from_block, $to_block, $step) s CROSS JOIN holders h
),
erc20_history AS (
  SELECT address, block_number, sum(delta) OVER (PARTITION BY address ORDER BY block_number) AS balance
  FROM erc20_balance_changes($chain_id, $token, $to_block)
  WHERE address IN (SELECT address FROM holders)
),
native_history AS (
  SELECT block_number, address, u256(balance_binary) AS balance
  FROM balances
  WHERE $token = 'native' AND chain_id = $chain_id AND address IN (SELECT address FROM holders)
)
-- ERC-20: the running balance of the holder's last change at or before the sampled block.
SELECT g.block_number, g.address, coalesce(e.balance, 0::HUGEINT) AS balance
FROM grid g
ASOF LEFT JOIN erc20_history e ON e.address = g.address AND g.block_number >= e.block_number
WHERE $token <> 'native'
UNION ALL
SELECT g.block_number, g.address, n.balance
FROM grid g
LEFT JOIN native_history n ON n.address = g.address AND n.block_number = g.block_number
WHERE $token = 'native'
ORDER BY block_number, address
