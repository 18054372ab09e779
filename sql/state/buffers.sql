-- Statements of buffered dataset publish (actors/state/bufferBatches.ts). A batch is recorded by
-- a running attempt, announced (its wake-up written) when that attempt succeeds, and applied by the
-- sink; a batch of an attempt that ended otherwise is discarded.

-- name: recordBufferBatch
-- Records a staged buffer batch for the fenced attempt ($1..$3 is the fence, checked by the
-- caller's lockFence) and returns its id; the same (task, attempt, artifact) returns the existing id.
WITH inserted AS (
  INSERT INTO buffer_batches (task_id, attempt, artifact, bucket, object_key, target_table, row_count)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (task_id, attempt, artifact) DO NOTHING
  RETURNING batch_id, true AS created
)
SELECT batch_id::text AS batch_id, created FROM inserted
UNION ALL
SELECT batch_id::text, false FROM buffer_batches WHERE task_id = $1 AND attempt = $2 AND artifact = $3
LIMIT 1;

-- name: lockBufferBatch
-- Locks a batch for the sink's transaction and says whether its attempt succeeded (is its task's
-- attempt, succeeded): only such a batch is ever applied.
SELECT b.batch_id::text AS batch_id, b.bucket, b.object_key, b.target_table, b.row_count, b.status,
       (t.attempt = b.attempt AND t.status = 'succeeded') AS attempt_succeeded
FROM buffer_batches b JOIN tasks t ON t.task_id = b.task_id
WHERE b.batch_id = $1
FOR UPDATE OF b;

-- name: markBufferApplied
UPDATE buffer_batches SET status = 'applied', applied_at = now(), inserted_rows = $2 WHERE batch_id = $1;

-- name: insertBufferRows
-- Inserts a batch's rows (a JSON array of objects shaped like the table's rows) into the data
-- table named by the caller (validated and quoted there: {{table}}); rows that collide with a
-- unique key are skipped, which makes a re-applied batch a no-op.
INSERT INTO {{table}} SELECT * FROM jsonb_populate_recordset(NULL::{{table}}, $1::jsonb) ON CONFLICT DO NOTHING;

-- name: resolveDataTable
-- The quoted name of a table in the data schema $1, or NULL.
SELECT format('%I.%I', n.nspname, c.relname) AS qualified
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p');

-- name: getBufferBatch
SELECT batch_id::text AS batch_id, bucket, object_key, target_table, row_count, status, dead_lettered_at
FROM buffer_batches WHERE batch_id = $1;

-- name: announceAttemptBatches
-- In the success transaction of attempt ($1, $2): its pending batches become appliable; returns
-- them for their wake-ups.
UPDATE buffer_batches SET announced_at = now()
WHERE task_id = $1 AND attempt = $2 AND status = 'pending'
RETURNING batch_id::text AS batch_id;

-- name: reannounceStaleBatches
-- Sweeper: announced batches still pending $1 seconds after their last wake-up (lost with the
-- queue, say) are announced again (the caller writes the wake-ups). A dead-lettered one waits for
-- a redrive instead: announcing a poison batch again would only dead-letter it again. A batch the
-- sink is applying is locked and skipped.
WITH stale AS (
  SELECT batch_id FROM buffer_batches
  WHERE status = 'pending' AND announced_at < now() - make_interval(secs => $1) AND dead_lettered_at IS NULL
  ORDER BY announced_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE buffer_batches b SET announced_at = now() FROM stale WHERE b.batch_id = stale.batch_id
RETURNING b.batch_id::text AS batch_id;

-- name: discardEndedBatches
-- Sweeper: pending batches whose attempt ended without succeeding (failed, lease lost, handed
-- back, cancelled: it is no longer the task's running or succeeded attempt, and attempt numbers
-- only grow) are discarded: never applied, their staged objects left to the janitor.
WITH ended AS (
  SELECT b.batch_id
  FROM buffer_batches b JOIN tasks t ON t.task_id = b.task_id
  WHERE b.status = 'pending' AND NOT (t.attempt = b.attempt AND t.status IN ('running', 'succeeded'))
  ORDER BY b.batch_id
  LIMIT $1
  FOR UPDATE OF b SKIP LOCKED
)
UPDATE buffer_batches b SET status = 'discarded', discarded_at = now() FROM ended WHERE b.batch_id = ended.batch_id
RETURNING b.batch_id::text AS batch_id;

-- name: markBufferDeadLettered
UPDATE buffer_batches SET dead_lettered_at = now() WHERE batch_id = $1 AND status = 'pending';
