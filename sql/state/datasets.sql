-- Statements of the dataset registry and the staging janitor (actors/state/datasetRegistry.ts).

-- name: lockFence
-- Holds the task row for the commit transaction, so the lease reaper cannot take the attempt away
-- between the fence check and the registration. No row: the attempt is stale or its lease lapsed.
SELECT task_id FROM tasks
WHERE task_id = $1 AND attempt = $2 AND lease_token = $3 AND status = 'running' AND lease_held(lease_expires_at)
FOR UPDATE;

-- name: registerVersions
-- Registers staged objects; a range already registered (a retry after a crash) is left as it is.
INSERT INTO dataset_versions
  (dataset, chain_id, range_start, range_end, config_hash, bucket, object_keys, manifest_key, row_count, bytes, task_id, attempt,
   object_sha256, object_etags)
SELECT v.dataset, v.chain_id, v.range_start, v.range_end, v.config_hash, v.bucket,
       ARRAY(SELECT jsonb_array_elements_text(v.object_keys)), v.manifest_key, v.row_count, v.bytes, $2, $3,
       CASE WHEN v.object_sha256 IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(v.object_sha256)) END,
       CASE WHEN v.object_etags IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(v.object_etags)) END
FROM jsonb_to_recordset($1::jsonb) AS v(dataset text, chain_id bigint, range_start bigint, range_end bigint, config_hash text,
                                        bucket text, object_keys jsonb, manifest_key text, row_count bigint, bytes bigint,
                                        object_sha256 jsonb, object_etags jsonb)
ON CONFLICT (dataset, chain_id, range_start, range_end, config_hash) DO NOTHING
RETURNING concat_ws('/', dataset, chain_id, range_start, range_end, config_hash) AS range_key, version_id::text AS version_id;

-- name: listVersions
-- Versions overlapping [$3, $4), of one dataset ($1) and chain ($2) or of all (NULL): the live ones,
-- and with $5 also those a compaction superseded. Ordered by the columns (v.…), not the text
-- aliases of the select list, so ranges come in block order.
SELECT version_id::text AS version_id, dataset, chain_id::text AS chain_id, range_start::text AS range_start,
       range_end::text AS range_end, config_hash, bucket, object_keys, manifest_key, row_count::text AS row_count,
       bytes::text AS bytes, task_id::text AS task_id, attempt, committed_at, superseded_by::text AS superseded_by,
       superseded_at, objects_deleted_at, object_sha256, object_etags
FROM dataset_versions v
WHERE ($1::text IS NULL OR dataset = $1) AND ($2::bigint IS NULL OR chain_id = $2) AND v.range_start < $4 AND v.range_end > $3
  AND ($5::boolean OR superseded_at IS NULL)
ORDER BY v.dataset, v.chain_id, v.range_start, v.version_id;

-- name: lockSuperseded
-- The versions $1 a compaction merges, locked until its commit ends (an invalidation that would
-- forget them waits for it, or it for the invalidation), lowest range first (by the column).
SELECT version_id::text AS version_id, dataset, chain_id::text AS chain_id, range_start::text AS range_start,
       range_end::text AS range_end, superseded_at IS NOT NULL AS superseded
FROM dataset_versions v WHERE version_id = ANY ($1::bigint[])
ORDER BY v.range_start
FOR UPDATE;

-- name: markSuperseded
-- The versions $1 stop serving queries, as of this transaction (its xid dates them for the janitor).
UPDATE dataset_versions SET superseded_at = now(), superseded_xid = pg_current_xact_id()::xid WHERE version_id = ANY ($1::bigint[]);

-- name: linkSuperseded
UPDATE dataset_versions SET superseded_by = $2 WHERE version_id = ANY ($1::bigint[]);

-- name: supersededPastPins
-- Superseded versions whose files still exist and that no pinned query can read any more: no
-- backend of this database holds a snapshot as old as the transaction that superseded them (a
-- snapshot whose xmin is at or before that xid may not see it, so it still reads these versions).
SELECT v.version_id::text AS version_id, v.bucket, v.object_keys, v.manifest_key
FROM dataset_versions v
WHERE v.superseded_at IS NOT NULL AND v.objects_deleted_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                  WHERE a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND a.pid <> pg_backend_pid() AND a.backend_xmin IS NOT NULL
                    AND age(a.backend_xmin) >= age(v.superseded_xid))
ORDER BY v.superseded_at
LIMIT $1;

-- name: markObjectsDeleted
UPDATE dataset_versions SET objects_deleted_at = now() WHERE version_id = ANY ($1::bigint[]);

-- name: recordStaged
-- Notes objects an attempt is about to upload (before the upload, so none can be missed), each with
-- the time after which no write to it can land ($5 seconds from now). Recording a key again (a
-- second upload to it) can only move that deadline later.
INSERT INTO staged_objects (bucket, object_key, task_id, attempt, upload_deadline)
SELECT $1, key, $3, $4, now() + make_interval(secs => $5) FROM unnest($2::text[]) AS k(key)
ON CONFLICT (bucket, object_key) DO UPDATE
SET upload_deadline = greatest(staged_objects.upload_deadline, EXCLUDED.upload_deadline);

-- name: forgetStaged
-- A commit registered these objects: they are no longer staging leftovers.
DELETE FROM staged_objects WHERE bucket = $1 AND object_key = ANY ($2::text[]);

-- name: expiredStaged
-- Staged objects to delete: older than $1 seconds, referenced by nothing, and written by an attempt
-- that can no longer commit (not its task's current attempt under a held lease; attempt numbers
-- only grow and a lapsed lease is never renewed). One deleted before its upload deadline comes back
-- once the deadline passed. listed_at: when this list was taken, before any of the deletes.
SELECT s.bucket, s.object_key, now() AS listed_at
FROM staged_objects s
WHERE s.staged_at < now() - make_interval(secs => $1)
  AND (s.deleted_at IS NULL OR s.upload_deadline < now())
  AND NOT EXISTS (SELECT 1 FROM tasks t
                  WHERE t.task_id = s.task_id AND t.attempt = s.attempt AND t.status = 'running' AND lease_held(t.lease_expires_at))
  AND NOT EXISTS (SELECT 1 FROM dataset_versions v
                  WHERE v.bucket = s.bucket AND (v.object_keys @> ARRAY[s.object_key] OR v.manifest_key = s.object_key))
  AND NOT EXISTS (SELECT 1 FROM buffer_batches b WHERE b.bucket = s.bucket AND b.object_key = s.object_key AND b.status = 'pending')
ORDER BY s.staged_at
LIMIT $2;

-- name: settleDeletedStaged
-- After the janitor deleted these objects (bucket $1, key $2), listed at $3: a record whose upload
-- deadline had passed by then goes, since nothing can land on its key after that delete; the
-- others stay, marked deleted, for a second delete after their deadline.
WITH deleted AS (
  SELECT * FROM unnest($1::text[], $2::text[]) AS d(bucket, object_key)
), forgotten AS (
  DELETE FROM staged_objects s USING deleted d
  WHERE s.bucket = d.bucket AND s.object_key = d.object_key AND s.upload_deadline < $3
)
UPDATE staged_objects s SET deleted_at = now()
FROM deleted d
WHERE s.bucket = d.bucket AND s.object_key = d.object_key AND s.upload_deadline >= $3;

