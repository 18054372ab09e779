-- Trusted macros of the Query Service, created in every query's DuckDB before it is locked
-- (actors/query/queryThreadJob.ts). Templates and ad-hoc SQL may call them; the table macros are the only
-- table functions the SQL gate allows besides range, generate_series and unnest. They read the
-- query's relations when they are called, so they see the query's pinned snapshot; `-- reads:`
-- names those relations (with the macros' own calls followed), so a query that calls a macro gets
-- them attached.

-- name: u256
-- A 32-byte big-endian uint256 (a log's amount, a balance) as HUGEINT, exact; a value of 2^128 or
-- more is an error rather than a wrong number.
CREATE MACRO u256(b) AS
  CASE WHEN substr(hex(b), 1, 32) <> repeat('0', 32) THEN error('u256: value is 2^128 or more')
       ELSE ('0x' || substr(hex(b), 33, 16))::UBIGINT::HUGEINT * 18446744073709551616
          + ('0x' || substr(hex(b), 49, 16))::UBIGINT::HUGEINT END;

-- name: sampled_blocks
-- The blocks a series samples: from_block, from_block + step, …, and always to_block.
CREATE MACRO sampled_blocks(from_block, to_block, step) AS TABLE
  SELECT range AS block_number FROM range(from_block, to_block + 1, step)
  UNION
  SELECT to_block;

-- name: erc20_transfers
-- reads: logs
-- The ERC-20 Transfer events of `token` ('0x…' text) on `chain` up to block `upto`. Only ERC-20
-- shaped logs: topic0 = keccak256("Transfer(address,address,uint256)"), from and to indexed (an
-- address topic is the address left-padded to 32 bytes), the value as 32 bytes of data (ERC-721's
-- Transfer has the same topic0 but a third indexed topic and no data). A token that is not an
-- address ('native') matches nothing.
CREATE MACRO erc20_transfers(chain, token, upto) AS TABLE
  SELECT block_number,
         from_hex(substr(hex(topic1), 25)) AS from_address,
         from_hex(substr(hex(topic2), 25)) AS to_address,
         u256(data) AS amount
  FROM logs
  WHERE starts_with(token, '0x') -- 'native': no scan at all
    AND chain_id = chain
    AND block_number <= upto
    AND address = from_hex(CASE WHEN starts_with(token, '0x') THEN substr(token, 3) ELSE '' END)
    AND topic0 = from_hex('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef')
    AND topic3 IS NULL
    AND n_data_bytes = 32;

-- name: erc20_balance_changes
-- reads: logs
-- Net balance change of each holder of `token` in each block up to `upto` (received − sent); the
-- zero address, the mint source and burn sink, is not a holder.
CREATE MACRO erc20_balance_changes(chain, token, upto) AS TABLE
  -- One pass over the transfers: each yields (to, +amount) and (from, −amount), zipped by unnest.
  SELECT block_number, address, sum(amount) AS delta
  FROM (
    SELECT block_number, unnest([to_address, from_address]) AS address, unnest([amount, -amount]) AS amount
    FROM erc20_transfers(chain, token, upto)
  )
  WHERE address <> from_hex(repeat('00', 20))
  GROUP BY block_number, address;

-- name: stake_changes
-- reads: logs
-- Stake movements of the staking precompile 0x…1000 up to `upto`, from Monad's events:
--   ValidatorCreated(uint64 indexed validatorId, address indexed authAddress, uint256 commission)
--   Delegate(uint64 indexed validatorId, address indexed delegator, uint256 amount, uint64 activationEpoch)
--   Undelegate(uint64 indexed validatorId, address indexed delegator, uint8 withdrawId, uint256 amount, uint64 activationEpoch)
-- validatorId is topic1; the amount is data word 0 of Delegate (+) and word 1 of Undelegate (−);
-- ValidatorCreated moves nothing but lists the validator. addValidator's initial stake emits a
-- Delegate. Changes count at once (the execution view, as getValidator(id).stake), not at the
-- activation epoch.
CREATE MACRO stake_changes(chain, upto) AS TABLE
  SELECT block_number,
         u256(topic1)::BIGINT AS validator_id,
         CASE topic0
           WHEN from_hex('e4d4df1e1827dd28252fd5c3cd7ebccd3da6e0aa31f74c828f3c8542af49d840') THEN u256(from_hex(substr(hex(data), 1, 64)))
           WHEN from_hex('3e53c8b91747e1b72a44894db10f2a45fa632b161fdcdd3a17bd6be5482bac62') THEN -u256(from_hex(substr(hex(data), 65, 64)))
           ELSE 0::HUGEINT
         END AS amount
  FROM logs
  WHERE chain_id = chain
    AND block_number <= upto
    AND address = from_hex('0000000000000000000000000000000000001000')
    AND topic0 IN (
      from_hex('6f8045cd38e512b8f12f6f02947c632e5f25af03aad132890ecf50015d97c1b2'), -- ValidatorCreated
      from_hex('e4d4df1e1827dd28252fd5c3cd7ebccd3da6e0aa31f74c828f3c8542af49d840'), -- Delegate
      from_hex('3e53c8b91747e1b72a44894db10f2a45fa632b161fdcdd3a17bd6be5482bac62')  -- Undelegate
    );

-- name: native_diffs
-- reads: geth_balance_diffs
-- The native balance changes of `chain` (geth_balance_diffs: one row per transaction and account
-- whose balance it changed), each with `ordinal`, its position in the chain: block_number × 2^32 +
-- transaction_index, so "the last change at or before block N" is the largest `ordinal` below
-- (N + 1) × 2^32. The balances stay Cryo's decimal strings (`balance_before`, `balance_after`): a
-- caller casts to HUGEINT only the values it keeps (exact; a value of 2^127 or more is an error),
-- ~6× cheaper per value than u256 on the 32 bytes (0.86 s against 5.7 s over 3 million rows).
CREATE MACRO native_diffs(chain) AS TABLE
  SELECT block_number, address,
         block_number::UBIGINT * 4294967296 + transaction_index AS ordinal,
         from_value_string AS balance_before,
         to_value_string AS balance_after
  FROM geth_balance_diffs
  WHERE chain_id = chain;

-- name: native_balances
-- reads: geth_balance_diffs
-- Every account's native balance at the close of block `at_block`, at any block (not sampled): the
-- balance after its last change at or before the block (geth_balance_diffs, per transaction). The
-- genesis allocation enters through the diffs themselves: an account none of whose changes is at
-- or before the block has held, since genesis, what its first change found (that change's
-- `from_value`). So no seed (no genesis file, no balances read) is needed; an account no
-- transaction ever changed (a genesis allocation left untouched) is not in the diffs and not seen.
-- Credits made outside any transaction (a block reward minted outside one, a withdrawal) are not in
-- the diffs either: such an account reads the balance its last transaction left.
CREATE MACRO native_balances(chain, at_block) AS TABLE
  SELECT address,
         coalesce(arg_max(balance_after, ordinal) FILTER (WHERE block_number <= at_block),
                  arg_min(balance_before, ordinal))::HUGEINT AS balance
  FROM native_diffs(chain)
  GROUP BY address;

-- name: ranked_holders
-- reads: logs, geth_balance_diffs
-- Every holder with a positive balance of `token` at block `at_block`, ranked (1 = largest, ties by
-- address): an ERC-20 from its Transfer events; 'native' from geth_balance_diffs (native_balances:
-- exact at every block, for every account a transaction changed).
CREATE MACRO ranked_holders(chain, token, at_block) AS TABLE
  SELECT row_number() OVER (ORDER BY balance DESC, address) AS rank, address, balance
  FROM (
    SELECT address, sum(delta) AS balance FROM erc20_balance_changes(chain, token, at_block) GROUP BY address
    UNION ALL
    SELECT address, balance FROM native_balances(chain, at_block) WHERE token = 'native'
  )
  WHERE balance > 0;
