-- Statements of the block hashes committed ranges were read at (actors/state/blockHashes.ts).

-- name: recordBlockHashes
-- Records chain $1's blocks $2 with hashes $3; the first recorded hash of a block stays. A commit
-- recording the same block waits here for the other to end, so the check after it sees its hash.
INSERT INTO block_hashes (chain_id, block_number, block_hash)
SELECT $1, b, h FROM unnest($2::bigint[], $3::bytea[]) AS x(b, h)
ON CONFLICT (chain_id, block_number) DO NOTHING;

-- name: forkedBlocks
-- Of chain $1's blocks $2 with hashes $3, those recorded with another hash (in its own statement,
-- so it sees what a concurrent commit recorded before the insert above went on).
SELECT k.block_number::text AS block_number
FROM unnest($2::bigint[], $3::bytea[]) AS g(block_number, block_hash)
JOIN block_hashes k ON k.chain_id = $1 AND k.block_number = g.block_number
WHERE k.block_hash <> g.block_hash
ORDER BY k.block_number;

-- name: forgetBlockHashesFrom
DELETE FROM block_hashes WHERE chain_id = $1 AND block_number >= $2;
