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
WITH sampled AS (
  SELECT range AS block_number FROM range($from_block, $to_block + 1, $step)
  UNION
  SELECT $to_block
),
transfers AS (
  -- ERC-20 Transfer(address indexed from, address indexed to, uint256 value)
  SELECT block_number, topic1, topic2, u256(data) AS value
  FROM logs
  WHERE $token <> 'native'
    AND chain_id = $chain_id
    AND block_number <= $to_block
    AND address = from_hex(CASE WHEN $token = 'native' THEN '' ELSE substr($token, 3) END)
    AND topic0 = from_hex('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef')
    AND topic3 IS NULL
    AND n_data_bytes = 32
),
changes AS (
  -- Net change of each address in each block; an address topic is the address left-padded to 32 bytes.
  SELECT address, block_number, sum(amount) AS delta
  FROM (
    SELECT block_number, from_hex(substr(hex(topic2), 25)) AS address, value AS amount FROM transfers
    UNION ALL
    SELECT block_number, from_hex(substr(hex(topic1), 25)) AS address, -value AS amount FROM transfers
  )
  WHERE address <> from_hex(repeat('00', 20))
  GROUP BY address, block_number
),
erc20_history AS (
  SELECT address, block_number, sum(delta) OVER (PARTITION BY address ORDER BY block_number) AS balance
  FROM changes
),
native_history AS (
  SELECT block_number, address, u256(balance_binary) AS balance
  FROM balances
  WHERE $token = 'native' AND chain_id = $chain_id AND block_number IN (SELECT block_number FROM sampled)
),
holders AS (
  SELECT address
  FROM (
    SELECT address, sum(delta) AS balance FROM changes GROUP BY address
    UNION ALL
    SELECT address, balance FROM native_history WHERE block_number = $to_block
  )
  WHERE balance > 0
  ORDER BY balance DESC, address
  LIMIT $n
),
grid AS (
  SELECT s.block_number, h.address FROM sampled s CROSS JOIN holders h
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
