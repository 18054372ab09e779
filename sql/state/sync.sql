-- Statements of chain_sync jobs (actors/state/syncJobs.ts) and their planner (actors/dispatcher/syncPlanner.ts).

-- name: upsertJob
-- apply: a job is identified by its name; applying the same spec again changes nothing, applying a
-- changed spec updates mode and spec (cursors and the ledger stay). Returns whether it was new.
INSERT INTO sync_jobs (name, chain_id, mode, spec) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET mode = excluded.mode, spec = excluded.spec, chain_id = excluded.chain_id,
  updated_at = CASE WHEN sync_jobs.spec = excluded.spec THEN sync_jobs.updated_at ELSE now() END
RETURNING job_id::text AS job_id, (xmax = 0) AS created;

-- name: upsertStream
-- A new stream starts at the job's from_block; an existing one keeps its cursor.
INSERT INTO sync_streams (job_id, stream_key, dataset, rpc_pool, chunk_size, max_inflight, cursor, target)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (job_id, stream_key) DO UPDATE SET dataset = excluded.dataset, rpc_pool = excluded.rpc_pool,
  chunk_size = excluded.chunk_size, max_inflight = excluded.max_inflight,
  target = coalesce(excluded.target, sync_streams.target);

-- name: setJobStatus
UPDATE sync_jobs SET status = $2, updated_at = now() WHERE job_id = $1 RETURNING job_id;

-- name: findJob
SELECT job_id::text AS job_id, name, chain_id::text AS chain_id, mode, spec, status, created_at
FROM sync_jobs WHERE job_id::text = $1 OR name = $1;

-- name: listJobs
SELECT job_id::text AS job_id, name, chain_id::text AS chain_id, mode, spec, status, created_at
FROM sync_jobs ORDER BY job_id;

-- name: lockPlannableStreams
-- Streams of active jobs with blocks left to plan, locked for this planner; others skip them.
SELECT s.job_id::text AS job_id, s.stream_key, s.dataset, s.rpc_pool, s.chunk_size, s.max_inflight,
       s.cursor::text AS cursor, s.target::text AS target, j.chain_id::text AS chain_id, j.name AS job_name,
       j.spec -> 'streams' -> s.stream_key -> 'columns' AS columns,
       j.spec -> 'streams' -> s.stream_key ->> 'event' AS event
FROM sync_streams s JOIN sync_jobs j ON j.job_id = s.job_id
WHERE j.status = 'active' AND s.target IS NOT NULL AND s.cursor < s.target
FOR UPDATE OF s SKIP LOCKED;

-- name: rangesInFlight
-- Of the streams ($1 job ids, $2 stream keys, pairwise) a planner has locked: the ranges in flight,
-- and of those the ones still to be read from the node (not read by their task's current attempt:
-- they hold fetch slots). A statement of its own, after the lock: its snapshot has the ranges of a
-- planner that held the lock before (counted in the locking statement, they were missed and the
-- stream got its slots twice).
SELECT r.job_id::text AS job_id, r.stream_key, count(*)::int AS inflight,
       count(*) FILTER (WHERE r.fetched_attempt IS DISTINCT FROM t.attempt)::int AS fetching
FROM sync_ranges r JOIN tasks t ON t.task_id = r.task_id
WHERE (r.job_id, r.stream_key) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))
  AND (t.status IN ('pending', 'queued', 'running') OR (t.status = 'failed' AND t.next_retry_at IS NOT NULL))
GROUP BY r.job_id, r.stream_key;

-- name: recordRangeFetched
-- The running attempt ($1 task, $2 attempt, $3 lease token, lease held) of a chain_sync range has
-- read it from the node: the range gives its fetch slot back. Returns the range when it did.
UPDATE sync_ranges r SET fetched_attempt = t.attempt
FROM tasks t
WHERE r.task_id = $1 AND t.task_id = r.task_id
  AND t.attempt = $2 AND t.lease_token = $3 AND t.status = 'running' AND lease_held(t.lease_expires_at)
RETURNING r.range_start;

-- name: insertRange
INSERT INTO sync_ranges (job_id, stream_key, range_start, range_end, task_id) VALUES ($1, $2, $3, $4, $5);

-- name: advanceCursor
UPDATE sync_streams SET cursor = $3 WHERE job_id = $1 AND stream_key = $2;

-- name: followHeadStreams
-- The streams of active follow_head jobs, each with whether its head poll is due.
SELECT s.job_id::text AS job_id, s.stream_key, s.rpc_pool, j.mode,
       (s.head_polled_at IS NULL
        OR s.head_polled_at < now() - make_interval(secs => coalesce((j.mode ->> 'head_poll_interval_seconds')::float8, 2))) AS due
FROM sync_streams s JOIN sync_jobs j ON j.job_id = s.job_id
WHERE j.status = 'active' AND j.mode ->> 'kind' = 'follow_head';

-- name: setTarget
-- The head moved: plan up to $3 (never backwards), and record the head block $4 with its timestamp
-- $5 (epoch seconds; NULL keeps the last). Says whether the target moved.
UPDATE sync_streams s SET target = greatest(coalesce(s.target, 0), $3), head_polled_at = now(),
  head_block = coalesce($4, s.head_block), head_timestamp = coalesce(to_timestamp($5), s.head_timestamp)
FROM (SELECT target FROM sync_streams WHERE job_id = $1 AND stream_key = $2) AS before
WHERE s.job_id = $1 AND s.stream_key = $2
RETURNING s.target IS DISTINCT FROM before.target AS moved;

-- name: recordStaleHead
-- The head block $3 (timestamp $4, epoch seconds) is older than the job's max_head_age_seconds: the
-- poll is recorded and the target holds.
UPDATE sync_streams SET head_polled_at = now(), head_block = $3, head_timestamp = to_timestamp($4)
WHERE job_id = $1 AND stream_key = $2;

-- name: streamStatus
-- Per stream: cursor, target and ranges by the state of their tasks, with rows and timing.
SELECT s.stream_key, s.dataset, s.cursor::text AS cursor, s.target::text AS target, s.chunk_size, s.max_inflight,
       s.head_block::text AS head_block, extract(epoch FROM now() - s.head_timestamp)::float8 AS head_age_seconds,
       count(r.task_id) FILTER (WHERE t.status = 'succeeded')::int AS ranges_done,
       count(r.task_id) FILTER (WHERE t.status IN ('pending', 'queued', 'running')
                                   OR (t.status = 'failed' AND t.next_retry_at IS NOT NULL))::int AS ranges_in_flight,
       count(r.task_id) FILTER (WHERE (t.status = 'failed' AND t.next_retry_at IS NULL) OR t.status = 'cancelled')::int AS ranges_failed,
       coalesce(sum(r.range_end - r.range_start) FILTER (WHERE t.status = 'succeeded'), 0)::text AS blocks_done,
       coalesce(sum((t.result ->> 'rows')::bigint) FILTER (WHERE t.status = 'succeeded'), 0)::text AS rows,
       extract(epoch FROM max(t.finished_at) FILTER (WHERE t.status = 'succeeded') - min(r.planned_at))::float8 AS elapsed_seconds
FROM sync_streams s
LEFT JOIN sync_ranges r ON r.job_id = s.job_id AND r.stream_key = s.stream_key
LEFT JOIN tasks t ON t.task_id = r.task_id
WHERE s.job_id = $1
GROUP BY s.job_id, s.stream_key
ORDER BY s.stream_key;

-- name: followedTips
-- follow_head jobs with the newest block hashes their chain's committed ranges were read at ($1
-- blocks deep), to compare with the node's canonical hashes.
SELECT j.job_id::text AS job_id, j.chain_id::text AS chain_id, s.rpc_pool,
       b.block_number::text AS block_number, b.block_hash
FROM sync_jobs j
JOIN LATERAL (SELECT rpc_pool FROM sync_streams WHERE job_id = j.job_id ORDER BY stream_key LIMIT 1) s ON true
JOIN LATERAL (SELECT block_number, block_hash FROM block_hashes WHERE chain_id = j.chain_id
              ORDER BY block_number DESC LIMIT $1) b ON true
WHERE j.status = 'active' AND j.mode ->> 'kind' = 'follow_head'
ORDER BY j.job_id, b.block_number;

-- name: recordReorg
INSERT INTO reorgs (job_id, chain_id, from_block, old_hash, new_hash) VALUES ($1, $2, $3, $4, $5);

-- name: lockJobStreams
-- An invalidation holds every stream of its job: no planning transaction of the job is half-way
-- (this waits for it) or starts meanwhile (planners skip locked streams).
SELECT stream_key, dataset FROM sync_streams WHERE job_id = $1 ORDER BY stream_key FOR UPDATE;

-- name: lockVersionsReaching
-- Holds the versions of chain $1's datasets $2 that reach block $3 (live or superseded): a
-- compaction merging some of them commits before this returns, or waits until the invalidation ends.
SELECT version_id FROM dataset_versions WHERE chain_id = $1 AND dataset = ANY ($2::text[]) AND range_end > $3 FOR UPDATE;

-- name: compactedReaching
-- The first block of the live compacted versions of chain $1's datasets $2 that reach block $3: an
-- invalidation from $3 starts there instead, so the small ranges they merged are ingested again.
SELECT min(v.range_start)::text AS first_block
FROM dataset_versions v
WHERE v.chain_id = $1 AND v.dataset = ANY ($2::text[]) AND v.range_end > $3 AND v.superseded_at IS NULL
  AND EXISTS (SELECT 1 FROM dataset_versions s WHERE s.superseded_by = v.version_id);

-- name: rangesReaching
-- The job's ranges that reach block $2 or later.
SELECT stream_key, range_start::text AS range_start, task_id::text AS task_id
FROM sync_ranges WHERE job_id = $1 AND range_end > $2;

-- name: cancelRangeTasks
-- Cancels the tasks $1 of invalidated ranges that may still run or retry. A running attempt loses
-- its lease token, so its heartbeat, commit and completion are refused. Waits for a commit in
-- flight (it holds the task row), so the next statement sees what that commit registered.
WITH cancelled AS (
  UPDATE tasks t
  SET status = 'cancelled', lease_token = NULL, lease_expires_at = NULL, next_retry_at = NULL,
      last_error = $2, finished_at = now(), updated_at = now()
  WHERE t.task_id = ANY ($1::bigint[])
    AND (t.status IN ('pending', 'queued', 'running') OR (t.status = 'failed' AND t.next_retry_at IS NOT NULL))
  RETURNING t.task_id, t.run_id, t.attempt
), history AS (
  UPDATE task_attempts a SET outcome = 'cancelled', error = $2, ended_at = now()
  FROM cancelled c WHERE a.task_id = c.task_id AND a.attempt = c.attempt AND a.outcome = 'running'
)
SELECT task_id::text AS task_id, run_id::text AS run_id FROM cancelled ORDER BY run_id, task_id;

-- name: forgetRanges
DELETE FROM sync_ranges WHERE job_id = $1 AND range_end > $2;

-- name: forgetVersions
-- The versions registered by the tasks $1 of invalidated ranges leave the registry, with the
-- compacted versions that superseded them; their objects go back to staging, where the janitor
-- deletes them once no query can still be reading them (their uploads ended before their commit:
-- nothing can land on their keys any more).
WITH forgotten AS (
  DELETE FROM dataset_versions
  WHERE task_id = ANY ($1::bigint[])
     OR version_id IN (SELECT superseded_by FROM dataset_versions WHERE task_id = ANY ($1::bigint[]) AND superseded_by IS NOT NULL)
  RETURNING bucket, object_keys, manifest_key, task_id, attempt
)
INSERT INTO staged_objects (bucket, object_key, task_id, attempt, upload_deadline)
SELECT f.bucket, key, f.task_id, f.attempt, now() FROM forgotten f, unnest(f.object_keys || f.manifest_key) AS key
ON CONFLICT (bucket, object_key) DO NOTHING;

-- name: rewindCursor
UPDATE sync_streams SET cursor = least(cursor, $3) WHERE job_id = $1 AND stream_key = $2;

-- name: plannedRangeMissing
-- Whether task $1 was planned by a chain_sync job (operator $4 with the job in its params) and the
-- ledger no longer holds [$2, $3) for it: the range was invalidated and must not be registered.
-- (The commit holds the task row, which an invalidation cancels first, so the two are ordered.)
SELECT 1 AS missing
FROM tasks t
WHERE t.task_id = $1 AND t.operator = $4 AND t.params ? 'job_id'
  AND NOT EXISTS (SELECT 1 FROM sync_ranges r WHERE r.task_id = t.task_id AND r.range_start = $2 AND r.range_end = $3);

-- name: failedRanges
-- The job's ranges whose task failed for good (or was cancelled), with its error and what it ran.
SELECT r.stream_key, r.range_start::text AS range_start, r.range_end::text AS range_end, t.last_error AS error,
       t.operator, t.params, t.name
FROM sync_ranges r JOIN tasks t ON t.task_id = r.task_id
WHERE r.job_id = $1 AND ((t.status = 'failed' AND t.next_retry_at IS NULL) OR t.status = 'cancelled')
ORDER BY r.stream_key, r.range_start;

-- name: replanRange
-- The ledger row of a failed range points at the new task that ingests it again.
UPDATE sync_ranges SET task_id = $4, planned_at = now() WHERE job_id = $1 AND stream_key = $2 AND range_start = $3;
