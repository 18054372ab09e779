-- Compatibility with the reference platform's chain_sync files and with Cryo's datasets.

-- geth_balance_diffs: per transaction and account, the native balance before and after (Cryo's
-- columns; drivers/datasets/catalog.ts). U256 values as Cryo's triple: bytes, decimal, float.
CREATE TABLE {{data}}.geth_balance_diffs (
  block_number      bigint           NOT NULL,
  transaction_index numeric(20)      NOT NULL,
  transaction_hash  bytea            NOT NULL,
  address           bytea            NOT NULL,
  from_value_binary bytea            NOT NULL,
  from_value_string text             NOT NULL,
  from_value_f64    double precision NOT NULL,
  to_value_binary   bytea            NOT NULL,
  to_value_string   text             NOT NULL,
  to_value_f64      double precision NOT NULL,
  chain_id          bigint           NOT NULL
);
CREATE INDEX geth_balance_diffs_number ON {{data}}.geth_balance_diffs (chain_id, block_number);
-- Native-balance analytics look an account's balance up as of a block.
CREATE INDEX geth_balance_diffs_address ON {{data}}.geth_balance_diffs (chain_id, address, block_number);

-- It is a synced dataset: its live ranges never overlap on one chain, like the others'.
ALTER TABLE {{state}}.dataset_versions DROP CONSTRAINT dataset_versions_synced_ranges_do_not_overlap;
ALTER TABLE {{state}}.dataset_versions ADD CONSTRAINT dataset_versions_synced_ranges_do_not_overlap
  EXCLUDE USING gist (dataset WITH =, chain_id WITH =, int8range(range_start, range_end) WITH &&)
  WHERE (dataset IN ('blocks', 'transactions', 'logs', 'geth_calls', 'geth_balance_diffs') AND superseded_at IS NULL);

-- follow_head's max_head_age_seconds: the head block and its timestamp as the last poll read them.
-- A head older than the limit holds the stream's target (planning pauses) and status says so.
ALTER TABLE {{state}}.sync_streams
  ADD COLUMN head_block bigint,
  ADD COLUMN head_timestamp timestamptz;
