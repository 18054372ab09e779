-- name: top_holders
-- description: The n largest holders of an ERC-20 token (from Transfer logs) or of the native coin (from balances) at a block.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param token: token — An ERC-20 contract address, or 'native' for the chain's coin
-- param n: positive_int = 10 — How many holders
-- param block: block — The block whose closing balances are ranked
-- columns: rank, address, balance

-- ERC-20: balance(a) = Σ Transfer values into a − Σ Transfer values out of a over blocks ≤ block
-- (the zero address, the mint source and burn sink, is not a holder).
-- native: the `balances` rows read at exactly that block (eth_getBalance via a balances backfill);
-- addresses never backfilled at that block are not ranked.
-- Only positive balances; rank 1 is the largest, ties broken by address (ascending).
WITH transfers AS (
  -- ERC-20 Transfer(address indexed from, address indexed to, uint256 value)
  SELECT topic1, topic2, u256(data) AS value
  FROM logs
  WHERE $token <> 'native'
    AND chain_id = $chain_id
    AND block_number <= $block
    AND address = from_hex(CASE WHEN $token = 'native' THEN '' ELSE substr($token, 3) END)
    AND topic0 = from_hex('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef')
    AND topic3 IS NULL
    AND n_data_bytes = 32
),
movements AS (
  -- An address topic is the address left-padded to 32 bytes: keep the last 20.
  SELECT from_hex(substr(hex(topic2), 25)) AS address, value AS amount FROM transfers
  UNION ALL
  SELECT from_hex(substr(hex(topic1), 25)) AS address, -value AS amount FROM transfers
),
holdings AS (
  SELECT address, sum(amount) AS balance
  FROM movements
  WHERE address <> from_hex(repeat('00', 20))
  GROUP BY address
  UNION ALL
  SELECT address, u256(balance_binary) AS balance
  FROM balances
  WHERE $token = 'native' AND chain_id = $chain_id AND block_number = $block
)
SELECT row_number() OVER (ORDER BY balance DESC, address) AS rank, address, balance
FROM holdings
WHERE balance > 0
QUALIFY rank <= $n
ORDER BY rank
