-- chain_sync jobs: a job has streams (one per dataset); each stream plans block ranges from a
-- durable cursor into the range ledger, one cryo_ingest task per range.
CREATE TABLE {{state}}.sync_jobs (
  job_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text        NOT NULL UNIQUE,
  chain_id   bigint      NOT NULL,
  mode       jsonb       NOT NULL,
  spec       jsonb       NOT NULL,
  status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- cursor: the next block to plan. target: where planning stops (end-exclusive); fixed for
-- fixed_target, moved by the head poll for follow_head (NULL until the first poll).
CREATE TABLE {{state}}.sync_streams (
  job_id       bigint  NOT NULL REFERENCES {{state}}.sync_jobs ON DELETE CASCADE,
  stream_key   text    NOT NULL,
  dataset      text    NOT NULL,
  rpc_pool     text    NOT NULL,
  chunk_size   integer NOT NULL CHECK (chunk_size > 0),
  max_inflight integer NOT NULL CHECK (max_inflight > 0),
  cursor       bigint  NOT NULL,
  target       bigint,
  head_polled_at timestamptz,
  PRIMARY KEY (job_id, stream_key)
);

-- The range ledger: every planned range once (the unique key is what makes re-planning safe).
CREATE TABLE {{state}}.sync_ranges (
  job_id      bigint      NOT NULL,
  stream_key  text        NOT NULL,
  range_start bigint      NOT NULL,
  range_end   bigint      NOT NULL CHECK (range_end > range_start),
  task_id     bigint      NOT NULL REFERENCES {{state}}.tasks,
  planned_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, stream_key, range_start),
  FOREIGN KEY (job_id, stream_key) REFERENCES {{state}}.sync_streams ON DELETE CASCADE
);
CREATE INDEX sync_ranges_task ON {{state}}.sync_ranges (task_id);
