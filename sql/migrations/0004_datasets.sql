-- The dataset version registry: what is committed, and so visible. Readers resolve files only
-- through it. A range of one dataset on one chain under one config is registered once.
CREATE TABLE {{state}}.dataset_versions (
  version_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset      text        NOT NULL,
  chain_id     bigint      NOT NULL,
  range_start  bigint      NOT NULL CHECK (range_start >= 0),
  range_end    bigint      NOT NULL CHECK (range_end > range_start),
  config_hash  text        NOT NULL,
  bucket       text        NOT NULL,
  object_keys  text[]      NOT NULL CHECK (cardinality(object_keys) > 0),
  manifest_key text        NOT NULL,
  row_count    bigint      NOT NULL CHECK (row_count >= 0),
  bytes        bigint      NOT NULL CHECK (bytes >= 0),
  task_id      bigint      NOT NULL REFERENCES {{state}}.tasks,
  attempt      integer     NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset, chain_id, range_start, range_end, config_hash)
);
-- The janitor asks "does any version reference this key?" for every expired staged object.
CREATE INDEX dataset_versions_object_keys ON {{state}}.dataset_versions USING gin (object_keys);
CREATE INDEX dataset_versions_manifest_key ON {{state}}.dataset_versions (manifest_key);

-- Every object an attempt stages, recorded before it is uploaded, so the janitor finds leftovers
-- through Postgres instead of listing buckets. A commit forgets the objects it registers.
CREATE TABLE {{state}}.staged_objects (
  bucket     text        NOT NULL,
  object_key text        NOT NULL,
  task_id    bigint      NOT NULL,
  attempt    integer     NOT NULL,
  staged_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bucket, object_key)
);
CREATE INDEX staged_objects_age ON {{state}}.staged_objects (staged_at);

-- Buffered dataset publish: a worker stages a small batch of rows for a data table in the scratch
-- bucket and records it here (fenced); the sink inserts it idempotently and marks it applied.
CREATE TABLE {{state}}.buffer_batches (
  batch_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id      bigint      NOT NULL REFERENCES {{state}}.tasks,
  attempt      integer     NOT NULL,
  artifact     text        NOT NULL,
  bucket       text        NOT NULL,
  object_key   text        NOT NULL,
  target_table text        NOT NULL,
  row_count    integer     NOT NULL CHECK (row_count >= 0),
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  applied_at   timestamptz,
  inserted_rows integer,
  UNIQUE (task_id, attempt, artifact)
);
CREATE INDEX buffer_batches_pending_objects ON {{state}}.buffer_batches (object_key) WHERE status = 'pending';
