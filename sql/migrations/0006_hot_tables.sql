-- Hot rows: the recent chain data as Postgres rows, with Cryo's column names (see
-- src/drivers/parquet/cryoSchemas.ts). Cryo UInt32 → bigint, UInt64 → numeric(20) (gas and fee
-- fields may use the full 64 bits; bigint stops at 2^63), Binary → bytea. A cryo_ingest commit
-- replaces a range's rows in the transaction that registers its cold file, so a retried range
-- never leaves duplicates.
CREATE TABLE {{data}}.blocks (
  block_number     bigint      NOT NULL,
  block_hash       bytea       NOT NULL,
  timestamp        bigint      NOT NULL,
  author           bytea       NOT NULL,
  gas_used         numeric(20) NOT NULL,
  extra_data       bytea       NOT NULL,
  base_fee_per_gas numeric(20),
  chain_id         bigint      NOT NULL,
  parent_hash      bytea       NOT NULL,
  UNIQUE (chain_id, block_hash)
);
CREATE INDEX blocks_number ON {{data}}.blocks (chain_id, block_number);

CREATE TABLE {{data}}.transactions (
  block_number             bigint      NOT NULL,
  transaction_index        numeric(20) NOT NULL,
  transaction_hash         bytea       NOT NULL,
  nonce                    numeric(20) NOT NULL,
  from_address             bytea       NOT NULL,
  to_address               bytea,
  value_binary             bytea       NOT NULL,
  value_string             text        NOT NULL,
  value_f64                double precision NOT NULL,
  input                    bytea       NOT NULL,
  gas_limit                numeric(20) NOT NULL,
  gas_used                 numeric(20) NOT NULL,
  gas_price                numeric(20),
  transaction_type         bigint,
  max_priority_fee_per_gas numeric(20),
  max_fee_per_gas          numeric(20),
  success                  boolean     NOT NULL,
  n_input_bytes            bigint      NOT NULL,
  n_input_zero_bytes       bigint      NOT NULL,
  n_input_nonzero_bytes    bigint      NOT NULL,
  chain_id                 bigint      NOT NULL
);
CREATE INDEX transactions_number ON {{data}}.transactions (chain_id, block_number);

CREATE TABLE {{data}}.logs (
  block_number      bigint NOT NULL,
  block_hash        bytea  NOT NULL,
  transaction_index bigint NOT NULL,
  log_index         bigint NOT NULL,
  transaction_hash  bytea  NOT NULL,
  address           bytea  NOT NULL,
  topic0            bytea,
  topic1            bytea,
  topic2            bytea,
  topic3            bytea,
  data              bytea  NOT NULL,
  n_data_bytes      bigint NOT NULL,
  chain_id          bigint NOT NULL
);
CREATE INDEX logs_number ON {{data}}.logs (chain_id, block_number);

CREATE TABLE {{data}}.geth_calls (
  typ               text        NOT NULL,
  from_address      bytea       NOT NULL,
  to_address        bytea,
  value_binary      bytea,
  value_string      text,
  value_f64         double precision,
  gas               numeric(20) NOT NULL,
  gas_used          numeric(20) NOT NULL,
  input             bytea       NOT NULL,
  output            bytea,
  error             text,
  block_number      bigint      NOT NULL,
  transaction_hash  bytea       NOT NULL,
  transaction_index bigint      NOT NULL,
  trace_address     text        NOT NULL,
  chain_id          bigint      NOT NULL
);
CREATE INDEX geth_calls_number ON {{data}}.geth_calls (chain_id, block_number);
