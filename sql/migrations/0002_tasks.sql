-- Runs, tasks, their dependencies and attempt history: the system of record for what runs.

CREATE TABLE {{state}}.runs (
  run_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text        NOT NULL,
  status      text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

-- status: pending (waits for dependencies) → queued → running → succeeded | failed | cancelled.
-- A failed task with next_retry_at set waits for the retry scheduler; without it, it is terminal.
-- attempt numbers the current attempt; it grows whenever a task is queued again, so a lease token
-- and attempt pair names exactly one execution. failures counts the attempts that failed (a hand-back
-- on shutdown is not a failure) and is what max_attempts bounds.
CREATE TABLE {{state}}.tasks (
  task_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id           bigint      NOT NULL REFERENCES {{state}}.runs,
  name             text        NOT NULL,
  operator         text        NOT NULL,
  params           jsonb       NOT NULL DEFAULT '{}',
  status           text        NOT NULL CHECK (status IN ('pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempt          integer     NOT NULL DEFAULT 1,
  failures         integer     NOT NULL DEFAULT 0,
  max_attempts     integer     NOT NULL CHECK (max_attempts > 0),
  lease_token      uuid,
  worker_id        text,
  lease_expires_at timestamptz,
  next_retry_at    timestamptz,
  woken_at         timestamptz,
  last_error       text,
  result           jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  UNIQUE (run_id, name)
);
CREATE INDEX tasks_expiring_leases ON {{state}}.tasks (lease_expires_at) WHERE status = 'running';
CREATE INDEX tasks_due_retries ON {{state}}.tasks (next_retry_at) WHERE status = 'failed' AND next_retry_at IS NOT NULL;
CREATE INDEX tasks_queued_wakeups ON {{state}}.tasks (woken_at) WHERE status = 'queued';

CREATE TABLE {{state}}.task_dependencies (
  task_id    bigint NOT NULL REFERENCES {{state}}.tasks ON DELETE CASCADE,
  depends_on bigint NOT NULL REFERENCES {{state}}.tasks ON DELETE CASCADE,
  PRIMARY KEY (task_id, depends_on)
);
CREATE INDEX task_dependencies_depends_on ON {{state}}.task_dependencies (depends_on);

CREATE TABLE {{state}}.task_attempts (
  task_id     bigint      NOT NULL REFERENCES {{state}}.tasks ON DELETE CASCADE,
  attempt     integer     NOT NULL,
  worker_id   text        NOT NULL,
  lease_token uuid        NOT NULL,
  outcome     text        NOT NULL DEFAULT 'running'
              CHECK (outcome IN ('running', 'succeeded', 'failed', 'lease_expired', 'handed_back')),
  error       text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  ended_at    timestamptz,
  PRIMARY KEY (task_id, attempt)
);
