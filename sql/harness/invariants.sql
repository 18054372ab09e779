-- What the harness reads to judge a run's invariants (cli/harness/invariants/). Read-only.

-- name: outboxBacklog
-- Rows the publisher has not published yet, and rows it parked after repeated failures.
SELECT count(*) FILTER (WHERE parked_at IS NULL)::int AS pending, count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked
FROM outbox;

-- name: rangeRegistrations
-- Every planned range with the number of versions registered for exactly its blocks.
SELECT r.stream_key, s.dataset, r.range_start::int AS range_start, r.range_end::int AS range_end, count(v.version_id)::int AS versions
FROM sync_ranges r
JOIN sync_streams s USING (job_id, stream_key)
JOIN sync_jobs j USING (job_id)
LEFT JOIN dataset_versions v
  ON v.dataset = s.dataset AND v.chain_id = j.chain_id AND v.range_start = r.range_start AND v.range_end = r.range_end
GROUP BY r.job_id, r.stream_key, s.dataset, r.range_start, r.range_end
ORDER BY r.stream_key, r.range_start;

-- name: overlappingVersions
-- Pairs of versions of a synced dataset on one chain whose block ranges overlap.
SELECT a.dataset, a.range_start::int AS range_start, a.range_end::int AS range_end,
       b.range_start::int AS other_start, b.range_end::int AS other_end
FROM dataset_versions a
JOIN dataset_versions b
  ON b.dataset = a.dataset AND b.chain_id = a.chain_id AND b.version_id > a.version_id
 AND b.range_start < a.range_end AND a.range_start < b.range_end
WHERE a.dataset IN (SELECT dataset FROM sync_streams);

-- name: versionCount
SELECT count(*)::int AS versions FROM dataset_versions;

-- name: lapsedLeases
-- Running tasks whose lease has lapsed: nothing will finish them unless the reaper takes them back.
-- Judged here from the column itself, not with the system's lease_held(), which is under test.
SELECT task_id::text AS task_id, worker_id, lease_expires_at
FROM tasks WHERE status = 'running' AND lease_expires_at <= now()
ORDER BY task_id;

-- name: tasksByStatus
SELECT status, count(*)::int AS tasks FROM tasks GROUP BY status ORDER BY status;

-- name: runningOn
-- The tasks a worker ($1, its worker id) runs now.
SELECT task_id::text AS task_id, attempt FROM tasks WHERE status = 'running' AND worker_id = $1 ORDER BY task_id;

-- name: attemptsOf
-- Every attempt of the tasks $1 (text[]), with the task's status now.
SELECT a.task_id::text AS task_id, a.attempt, a.worker_id, a.outcome, t.status
FROM task_attempts a JOIN tasks t USING (task_id)
WHERE a.task_id = ANY($1::bigint[])
ORDER BY a.task_id, a.attempt;

-- name: trackedObjects
-- Every object key the registry knows: the files and manifests of versions, and staged records.
SELECT bucket, key AS object_key FROM dataset_versions, unnest(object_keys || manifest_key) AS key
UNION
SELECT bucket, object_key FROM staged_objects;
