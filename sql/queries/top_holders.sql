-- name: top_holders
-- description: The n largest holders of an ERC-20 token (from Transfer logs) or of the native coin (from geth_balance_diffs, at any block) at a block.
-- param chain_id: chain_id — The chain (default: the only chain registered)
-- param token: token — An ERC-20 contract address, or 'native' for the chain's coin
-- param n: positive_int = 10 — How many holders
-- param block: block — The block whose closing balances are ranked
-- columns: rank, address, balance

-- ERC-20: balance(a) = Σ Transfer values into a − Σ Transfer values out of a over blocks ≤ block
-- (the zero address, the mint source and burn sink, is not a holder).
-- native: from geth_balance_diffs, at any block: each account's balance after its last change at or
-- before the block, or before its first change what that change found (native_balances in
-- sql/query_macros.sql). An account no synced transaction changed is not ranked.
-- Only positive balances; rank 1 is the largest, ties broken by address (ascending).
SELECT rank, address, balance
FROM ranked_holders($chain_id, $token, $block)
WHERE rank <= $n
ORDER BY rank
