-- name: newest_blocks
-- description: The newest n blocks up to a block (default: the newest registered) with their transaction counts: a tip query, read from hot rows.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param n: positive_int = 5 — How many blocks
-- param block: block = newest — The last block (default: the newest block registered for the chain)
-- columns: block_number, timestamp, transactions, gas_used, base_fee_per_gas

-- Both relations are bounded by the block window (the transactions through the join on the block
-- number), so the Query Service reads only those blocks: from hot rows while they are in the hot tier.
SELECT b.block_number, b.timestamp, count(t.transaction_hash) AS transactions, b.gas_used, b.base_fee_per_gas
FROM blocks b
LEFT JOIN transactions t ON t.chain_id = b.chain_id AND t.block_number = b.block_number
WHERE b.chain_id = $chain_id AND b.block_number > $block - $n AND b.block_number <= $block
GROUP BY b.block_number, b.timestamp, b.gas_used, b.base_fee_per_gas
ORDER BY b.block_number DESC
