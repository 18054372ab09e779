-- name: holder_balance_history
-- description: Balances of the top-n holders at to_block (as top_holders ranks them) at every sampled block of the window; an ERC-20 from Transfer logs, the native coin from geth_balance_diffs (exact at any block).
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
-- native: from geth_balance_diffs, at every block: the balance after a's last change at or before N
-- (the last transaction of the block that changed it), or before a's first change the balance that
-- change found (what a held from genesis); see native_balances in sql/query_macros.sql.
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
  SELECT address, ordinal, balance_before, balance_after
  FROM native_diffs($chain_id)
  WHERE $token = 'native' AND address IN (SELECT address FROM holders)
),
native_first AS (
  SELECT address, arg_min(balance_before, ordinal) AS balance FROM native_history GROUP BY address
)
-- ERC-20: the running balance of the holder's last change at or before the sampled block.
SELECT g.block_number, g.address, coalesce(e.balance, 0::HUGEINT) AS balance
FROM grid g
ASOF LEFT JOIN erc20_history e ON e.address = g.address AND g.block_number >= e.block_number
WHERE $token <> 'native'
UNION ALL
-- native: the balance after the holder's last change at or before the close of the sampled block
-- (positions below (N + 1) × 2^32, as native_diffs numbers them), else what its first change found.
SELECT g.block_number, g.address, coalesce(n.balance_after, f.balance)::HUGEINT AS balance
FROM grid g
ASOF LEFT JOIN native_history n ON n.address = g.address AND (g.block_number::UBIGINT + 1) * 4294967296 > n.ordinal
LEFT JOIN native_first f ON f.address = g.address
WHERE $token = 'native'
ORDER BY block_number, address
