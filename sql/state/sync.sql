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
-- Streams of active jobs with room to plan, locked for this planner; others skip them.
SELECT s.job_id::text AS job_id, s.stream_key, s.dataset, s.rpc_pool, s.chunk_size, s.max_inflight,
       s.cursor::text AS cursor, s.target::text AS target, j.chain_id::text AS chain_id, j.name AS job_name,
       (SELECT count(*) FROM sync_ranges r JOIN tasks t ON t.task_id = r.task_id
        WHERE r.job_id = s.job_id AND r.stream_key = s.stream_key
          AND (t.status IN ('pending', 'queued', 'running') OR (t.status = 'failed' AND t.next_retry_at IS NOT NULL)))::int AS inflight
FROM sync_streams s JOIN sync_jobs j ON j.job_id = s.job_id
WHERE j.status = 'active' AND s.target IS NOT NULL AND s.cursor < s.target
FOR UPDATE OF s SKIP LOCKED;

-- name: insertRange
INSERT INTO sync_ranges (job_id, stream_key, range_start, range_end, task_id) VALUES ($1, $2, $3, $4, $5);

-- name: advanceCursor
UPDATE sync_streams SET cursor = $3 WHERE job_id = $1 AND stream_key = $2;

-- name: followHeadStreams
-- follow_head streams due for a head poll.
SELECT s.job_id::text AS job_id, s.stream_key, s.rpc_pool, j.mode
FROM sync_streams s JOIN sync_jobs j ON j.job_id = s.job_id
WHERE j.status = 'active' AND j.mode ->> 'kind' = 'follow_head'
  AND (s.head_polled_at IS NULL
       OR s.head_polled_at < now() - make_interval(secs => coalesce((j.mode ->> 'head_poll_interval_seconds')::float8, 2)));

-- name: setTarget
-- The head moved: plan up to $3 (never backwards).
UPDATE sync_streams SET target = greatest(coalesce(target, 0), $3), head_polled_at = now()
WHERE job_id = $1 AND stream_key = $2;

-- name: streamStatus
-- Per stream: cursor, target and ranges by the state of their tasks, with rows and timing.
SELECT s.stream_key, s.dataset, s.cursor::text AS cursor, s.target::text AS target, s.chunk_size, s.max_inflight,
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
-- follow_head jobs with the newest ingested blocks of their chain ($1 blocks deep), to compare
-- with the node's canonical hashes.
SELECT j.job_id::text AS job_id, j.chain_id::text AS chain_id, s.rpc_pool,
       b.block_number::text AS block_number, b.block_hash
FROM sync_jobs j
JOIN LATERAL (SELECT rpc_pool FROM sync_streams WHERE job_id = j.job_id ORDER BY stream_key LIMIT 1) s ON true
JOIN LATERAL (SELECT block_number, block_hash FROM blocks WHERE chain_id = j.chain_id
              ORDER BY block_number DESC LIMIT $1) b ON true
WHERE j.status = 'active' AND j.mode ->> 'kind' = 'follow_head'
ORDER BY j.job_id, b.block_number;

-- name: recordReorg
INSERT INTO reorgs (job_id, chain_id, from_block, old_hash, new_hash) VALUES ($1, $2, $3, $4, $5);

-- name: invalidateFrom
-- Forgets every range of the job's streams that reaches block $2 or later: ledger rows and the
-- versions they registered go, and each stream's cursor moves back to its first forgotten range.
WITH forgotten AS (
  DELETE FROM sync_ranges r
  USING sync_streams s
  WHERE r.job_id = $1 AND s.job_id = r.job_id AND s.stream_key = r.stream_key AND r.range_end > $2
  RETURNING r.stream_key, r.range_start, r.range_end, s.dataset
), versions AS (
  DELETE FROM dataset_versions v
  USING forgotten f, sync_jobs j
  WHERE j.job_id = $1 AND v.chain_id = j.chain_id AND v.dataset = f.dataset
    AND v.range_start = f.range_start AND v.range_end = f.range_end
)
UPDATE sync_streams s SET cursor = least(s.cursor, f.first_start)
FROM (SELECT stream_key, min(range_start) AS first_start FROM forgotten GROUP BY stream_key) f
WHERE s.job_id = $1 AND s.stream_key = f.stream_key;
