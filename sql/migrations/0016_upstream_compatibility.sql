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

-- Cryo's types (drivers/datasets/cryoSchemas.ts): geth_calls gas and gas_used are U256 triples, and
-- a legacy transaction's transaction_type is 0, not NULL. Hot rows are converted in place (gas fits
-- bigint: it is bounded by the block gas limit).
ALTER TABLE {{data}}.geth_calls
  ADD COLUMN gas_binary bytea, ADD COLUMN gas_string text, ADD COLUMN gas_f64 double precision,
  ADD COLUMN gas_used_binary bytea, ADD COLUMN gas_used_string text, ADD COLUMN gas_used_f64 double precision;
UPDATE {{data}}.geth_calls SET
  gas_binary = decode(lpad(to_hex(gas::bigint), 64, '0'), 'hex'), gas_string = gas::text, gas_f64 = gas::float8,
  gas_used_binary = decode(lpad(to_hex(gas_used::bigint), 64, '0'), 'hex'), gas_used_string = gas_used::text, gas_used_f64 = gas_used::float8;
ALTER TABLE {{data}}.geth_calls
  DROP COLUMN gas, DROP COLUMN gas_used,
  ALTER COLUMN gas_binary SET NOT NULL, ALTER COLUMN gas_string SET NOT NULL, ALTER COLUMN gas_f64 SET NOT NULL,
  ALTER COLUMN gas_used_binary SET NOT NULL, ALTER COLUMN gas_used_string SET NOT NULL, ALTER COLUMN gas_used_f64 SET NOT NULL;

UPDATE {{data}}.transactions SET transaction_type = 0 WHERE transaction_type IS NULL;
ALTER TABLE {{data}}.transactions ALTER COLUMN transaction_type SET NOT NULL;

-- geth_calls files written before this migration hold gas and gas_used as UInt64: their versions
-- are marked as files with their own columns, so queries read gas_* as NULL there (not a binder
-- error) and compaction never merges them with files of the new columns. Syncing the ranges again
-- rewrites them.
UPDATE {{state}}.dataset_versions
SET config_hash = config_hash || ';columns=typ+from_address+to_address+value_binary+value_string+value_f64+gas+gas_used+input+output+error+block_number+transaction_hash+transaction_index+trace_address+chain_id'
WHERE dataset = 'geth_calls' AND config_hash NOT LIKE '%;columns=%';

-- trace-lite verify: each registered file's sha256 and the ETag the store returned for it, at
-- commit (parallel to object_keys). NULL for versions registered before, which verify reports as
-- unrecorded.
ALTER TABLE {{state}}.dataset_versions
  ADD COLUMN object_sha256 text[],
  ADD COLUMN object_etags text[];
