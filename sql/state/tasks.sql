-- Statements of the task lifecycle (actors/state/tasks/). Every transition of a running
-- attempt is fenced by (task_id, attempt, lease_token) and a held lease (lease_held, migration
-- 0010: valid until lease_expires_at by the database clock): a stale attempt matches no row.
-- Retry backoff: least($max, $base * 2 ^ failures) seconds.

-- name: insertRun
INSERT INTO runs (name) VALUES ($1) RETURNING run_id::text AS run_id;

-- name: insertTasks
-- One row per task of a run; tasks without dependencies start queued, the others pending.
INSERT INTO tasks (run_id, name, operator, params, status, max_attempts, woken_at)
SELECT $1, t.name, t.operator, t.params, CASE WHEN t.ready THEN 'queued' ELSE 'pending' END, t.max_attempts,
       CASE WHEN t.ready THEN now() END
FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::int[], $6::bool[]) AS t(name, operator, params, max_attempts, ready)
RETURNING task_id::text AS task_id, name, status;

-- name: insertDependencies
INSERT INTO task_dependencies (task_id, depends_on)
SELECT task_id, depends_on FROM unnest($1::bigint[], $2::bigint[]) AS d(task_id, depends_on);

-- name: claim
-- queued → running with a fresh lease; records the attempt. The same worker claiming again for the
-- same wake-up message $4 (the reply to its first claim was lost) gets the running attempt back,
-- lease renewed, while that lease is held: a lost reply costs no attempt. No row: the claim lost.
WITH claimed AS (
  UPDATE tasks
  SET status = 'running', lease_token = gen_random_uuid(), worker_id = $2, claim_message_id = $4,
      lease_expires_at = now() + make_interval(secs => $3), updated_at = now()
  WHERE task_id = $1 AND status = 'queued'
  RETURNING task_id, run_id, attempt, lease_token, operator, params, lease_expires_at
), reclaimed AS (
  UPDATE tasks
  SET lease_expires_at = now() + make_interval(secs => $3), updated_at = now()
  WHERE task_id = $1 AND status = 'running' AND worker_id = $2 AND claim_message_id = $4 AND lease_held(lease_expires_at)
  RETURNING task_id, run_id, attempt, lease_token, operator, params, lease_expires_at
), history AS (
  INSERT INTO task_attempts (task_id, attempt, worker_id, lease_token)
  SELECT task_id, attempt, $2, lease_token FROM claimed
)
SELECT task_id::text AS task_id, run_id::text AS run_id, attempt, lease_token, operator, params, lease_expires_at
FROM claimed
UNION ALL
SELECT task_id::text, run_id::text, attempt, lease_token, operator, params, lease_expires_at
FROM reclaimed;

-- name: heartbeat
UPDATE tasks
SET lease_expires_at = now() + make_interval(secs => $4), updated_at = now()
WHERE task_id = $1 AND attempt = $2 AND lease_token = $3 AND status = 'running' AND lease_held(lease_expires_at)
RETURNING lease_expires_at;

-- name: succeed
UPDATE tasks
SET status = 'succeeded', result = $4, lease_token = NULL, lease_expires_at = NULL, last_error = NULL,
    finished_at = now(), updated_at = now()
WHERE task_id = $1 AND attempt = $2 AND lease_token = $3 AND status = 'running' AND lease_held(lease_expires_at)
RETURNING run_id::text AS run_id;

-- name: fail
-- running → failed; with retries left it waits for the retry scheduler at next_retry_at.
UPDATE tasks
SET status = 'failed', failures = failures + 1, last_error = $4, lease_token = NULL, lease_expires_at = NULL,
    next_retry_at = CASE WHEN failures + 1 < max_attempts
                         THEN now() + make_interval(secs => least($6::float8, $5::float8 * 2 ^ failures)) END,
    finished_at = CASE WHEN failures + 1 >= max_attempts THEN now() END,
    updated_at = now()
WHERE task_id = $1 AND attempt = $2 AND lease_token = $3 AND status = 'running' AND lease_held(lease_expires_at)
RETURNING run_id::text AS run_id, next_retry_at IS NULL AS terminal;

-- name: handBack
-- running → queued as a new attempt, without counting a failure (graceful shutdown).
UPDATE tasks
SET status = 'queued', attempt = attempt + 1, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL,
    woken_at = now(), updated_at = now()
WHERE task_id = $1 AND attempt = $2 AND lease_token = $3 AND status = 'running' AND lease_held(lease_expires_at)
RETURNING task_id::text AS task_id;

-- name: endAttempt
UPDATE task_attempts SET outcome = $3, error = $4, ended_at = now()
WHERE task_id = $1 AND attempt = $2 AND outcome = 'running';

-- name: lockRun
-- Serialises the completions of one run's tasks, so two dependencies finishing at once cannot both
-- miss that the other finished (each re-reads after the other's commit).
SELECT status FROM runs WHERE run_id = $1 FOR UPDATE;

-- name: queueReadyDependents
-- pending dependents of $1 whose dependencies all succeeded → queued; returns them.
UPDATE tasks t
SET status = 'queued', woken_at = now(), updated_at = now()
WHERE t.status = 'pending'
  AND t.task_id IN (SELECT task_id FROM task_dependencies WHERE depends_on = $1)
  AND NOT EXISTS (
    SELECT 1 FROM task_dependencies d JOIN tasks p ON p.task_id = d.depends_on
    WHERE d.task_id = t.task_id AND p.status <> 'succeeded')
RETURNING t.task_id::text AS task_id;

-- name: cancelDownstream
-- Cancels every task that depends, directly or not, on the terminally failed task $1.
WITH RECURSIVE downstream AS (
  SELECT task_id FROM task_dependencies WHERE depends_on = $1
  UNION
  SELECT d.task_id FROM task_dependencies d JOIN downstream ds ON d.depends_on = ds.task_id
)
UPDATE tasks
SET status = 'cancelled', last_error = 'cancelled: dependency ' || $1 || ' failed', finished_at = now(), updated_at = now()
WHERE task_id IN (SELECT task_id FROM downstream) AND status IN ('pending', 'queued')
RETURNING task_id::text AS task_id;

-- name: refreshRunStatus
-- A run fails as soon as one task failed terminally or was cancelled, succeeds when all succeeded,
-- and is finished once nothing in it can still run.
WITH counts AS (
  SELECT count(*) FILTER (WHERE status IN ('pending', 'queued', 'running')
                             OR (status = 'failed' AND next_retry_at IS NOT NULL)) AS active,
         count(*) FILTER (WHERE (status = 'failed' AND next_retry_at IS NULL) OR status = 'cancelled') AS broken
  FROM tasks WHERE run_id = $1
)
UPDATE runs r
SET status = CASE WHEN c.broken > 0 THEN 'failed' WHEN c.active = 0 THEN 'succeeded' ELSE 'running' END,
    finished_at = CASE WHEN c.active = 0 THEN coalesce(r.finished_at, now()) END
FROM counts c
WHERE r.run_id = $1
RETURNING r.status;

-- name: reapExpiredLeases
-- running tasks whose lease lapsed → failed (retry or terminal), their attempt marked lease_expired.
-- $4..$6: only that attempt (its worker reports the loss at once), NULL: any; $7 says how the
-- lease was lost.
WITH expired AS (
  SELECT task_id FROM tasks
  WHERE status = 'running' AND NOT lease_held(lease_expires_at)
    AND ($4::bigint IS NULL OR (task_id = $4 AND attempt = $5::int AND lease_token = $6::uuid))
  ORDER BY lease_expires_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
), failed AS (
  UPDATE tasks t
  SET status = 'failed', failures = t.failures + 1,
      last_error = 'lease expired: worker ' || coalesce(t.worker_id, '?') || ' ' || $7,
      lease_token = NULL, lease_expires_at = NULL,
      next_retry_at = CASE WHEN t.failures + 1 < t.max_attempts
                           THEN now() + make_interval(secs => least($3::float8, $2::float8 * 2 ^ t.failures)) END,
      finished_at = CASE WHEN t.failures + 1 >= t.max_attempts THEN now() END,
      updated_at = now()
  FROM expired e
  WHERE t.task_id = e.task_id
  RETURNING t.task_id, t.run_id, t.attempt, t.last_error, t.next_retry_at IS NULL AS terminal
), history AS (
  UPDATE task_attempts a SET outcome = 'lease_expired', error = f.last_error, ended_at = now()
  FROM failed f
  WHERE a.task_id = f.task_id AND a.attempt = f.attempt AND a.outcome = 'running'
)
SELECT task_id::text AS task_id, run_id::text AS run_id, terminal FROM failed
ORDER BY failed.run_id, failed.task_id; -- the caller locks the runs in this order (no deadlock between reapers)

-- name: requeueDueRetries
-- failed tasks whose next_retry_at passed → queued as the next attempt (the caller writes their wake-ups).
WITH due AS (
  SELECT task_id FROM tasks
  WHERE status = 'failed' AND next_retry_at <= now()
  ORDER BY next_retry_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE tasks t
SET status = 'queued', attempt = t.attempt + 1, next_retry_at = NULL, worker_id = NULL, woken_at = now(), updated_at = now()
FROM due WHERE t.task_id = due.task_id
RETURNING t.task_id::text AS task_id;

-- name: rewakeStaleQueued
-- Sweeper: queued tasks whose last wake-up is older than $1 seconds (lost with the queue, say) get a
-- new one (the caller writes it). A duplicate is harmless: only one claim can win.
WITH stale AS (
  SELECT task_id FROM tasks
  WHERE status = 'queued' AND woken_at < now() - make_interval(secs => $1)
  ORDER BY woken_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE tasks t SET woken_at = now() FROM stale WHERE t.task_id = stale.task_id
RETURNING t.task_id::text AS task_id;

-- name: getTask
SELECT task_id::text AS task_id, run_id::text AS run_id, name, operator, params, status, attempt, failures,
       max_attempts, worker_id, lease_expires_at, next_retry_at, last_error, result, created_at, finished_at
FROM tasks WHERE task_id = $1;

-- name: listRunTasks
SELECT task_id::text AS task_id, run_id::text AS run_id, name, operator, params, status, attempt, failures,
       max_attempts, worker_id, lease_expires_at, next_retry_at, last_error, result, created_at, finished_at
FROM tasks WHERE run_id = $1 ORDER BY task_id;

-- name: getRun
SELECT run_id::text AS run_id, name, status, created_at, finished_at FROM runs WHERE run_id = $1;

-- name: listAttempts
SELECT attempt, worker_id, outcome, error, started_at, ended_at
FROM task_attempts WHERE task_id = $1 ORDER BY attempt;

-- name: countTasksByStatus
SELECT status, count(*)::int AS count FROM tasks GROUP BY status;

-- name: retriesPending
-- Whether any failed task waits for its retry (the retry scheduler stays on its short interval).
SELECT EXISTS (SELECT 1 FROM tasks WHERE status = 'failed' AND next_retry_at IS NOT NULL) AS pending;

-- name: attemptsRunning
-- Whether any attempt runs (the lease reaper stays on its short interval while one does).
SELECT EXISTS (SELECT 1 FROM tasks WHERE status = 'running') AS running;
