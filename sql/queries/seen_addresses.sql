-- name: seen_addresses
-- description: Every address that sent or received a transaction, authored a block or took part in a call, up to a block.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param to_block: block — Last block to look at, inclusive
-- columns: address
-- The address set native top-holder analytics read balances for (eth_getBalance at tip).
SELECT DISTINCT address
FROM (
  SELECT from_address AS address FROM transactions WHERE chain_id = $chain_id AND block_number <= $to_block
  UNION ALL
  SELECT to_address FROM transactions WHERE chain_id = $chain_id AND block_number <= $to_block AND to_address IS NOT NULL
  UNION ALL
  SELECT author FROM blocks WHERE chain_id = $chain_id AND block_number <= $to_block
  UNION ALL
  SELECT to_address FROM geth_calls WHERE chain_id = $chain_id AND block_number <= $to_block AND to_address IS NOT NULL
)
ORDER BY address
