-- What the fault-injection suite reads to count each kind's damage (cli/chaos/). Read-only except
-- the fault statements at the end, which are the faults themselves.

-- name: retriedTasks
-- Tasks that ran more than one attempt.
SELECT count(*)::int AS tasks FROM tasks WHERE attempt > 1;

-- name: unfinishedTasks
-- Tasks that neither succeeded nor were cancelled once the run settled: work the faults lost.
SELECT task_id::text AS task_id, operator, status, attempt FROM tasks
WHERE status NOT IN ('succeeded', 'cancelled') ORDER BY task_id;

-- name: deadLetters
-- Every dead-lettered wake-up, with whether the suite itself injected it as poison.
SELECT queue, message_id::text AS message_id, coalesce(payload ? 'chaos_poison', false) AS poison, last_error
FROM queue_dead_letters ORDER BY queue, message_id;

-- name: versionObjects
-- The objects of every registered version, by dataset and range, in the version's file order.
SELECT dataset, range_start::int AS range_start, range_end::int AS range_end, bucket, object_keys
FROM dataset_versions ORDER BY dataset, range_start, range_end, version_id;

-- name: versionsRegistered
-- Versions registered so far, all datasets: the progress a timeline draws.
SELECT count(*)::int AS versions FROM dataset_versions;

-- name: syncSettled
-- Whether a fixed-target sync has nothing left to do: every stream planned to its target and no
-- range's task pending, queued or running (a follow_head job: caught up with the head it polled).
SELECT NOT EXISTS (SELECT 1 FROM sync_streams WHERE target IS NULL OR cursor < target)
   AND NOT EXISTS (SELECT 1 FROM sync_ranges r JOIN tasks t ON t.task_id = r.task_id WHERE t.status IN ('pending', 'queued', 'running'))
   AS settled;

-- name: hotBlocks
SELECT t::text AS row FROM blocks t ORDER BY 1;

-- name: hotTransactions
SELECT t::text AS row FROM transactions t ORDER BY 1;

-- name: hotLogs
SELECT t::text AS row FROM logs t ORDER BY 1;

-- name: hotGethCalls
SELECT t::text AS row FROM geth_calls t ORDER BY 1;

-- name: blockHashes
-- The synced chain as the hot blocks have it: every block row's number and hash, and the hashes of
-- the hot transactions of that number (in index order).
SELECT b.block_number::int AS block_number, '0x' || encode(b.block_hash, 'hex') AS block_hash,
       ARRAY(SELECT '0x' || encode(t.transaction_hash, 'hex') FROM transactions t
             WHERE t.chain_id = b.chain_id AND t.block_number = b.block_number
             ORDER BY t.transaction_index, t.transaction_hash) AS transaction_hashes
FROM blocks b ORDER BY b.block_number, b.block_hash;

-- name: logBlockHashes
-- Each block hash the hot logs carry, by block number.
SELECT DISTINCT block_number::int AS block_number, '0x' || encode(block_hash, 'hex') AS block_hash FROM logs;

-- name: callTransactions
-- Each transaction the hot call traces belong to, by block number.
SELECT DISTINCT block_number::int AS block_number, '0x' || encode(transaction_hash, 'hex') AS transaction_hash FROM geth_calls;

-- name: wipeQueue
-- Fault: every wake-up message deleted.
DELETE FROM queue_messages;

-- name: multiplyWakeups
-- Fault: every wake-up waiting now delivered again $1 more times (copies with the same payload),
-- except the copies an earlier injection made (ids up to $2, the highest copy id so far): copying
-- copies grows the queue tenfold per injection (10^7 rows after seven, 200 ms apart).
-- Returns how many copies it made and the highest copy id (NULL when none).
WITH copies AS (
  INSERT INTO queue_messages (queue, payload, visible_at, max_attempts)
  SELECT m.queue, m.payload, now(), m.max_attempts FROM queue_messages m, generate_series(1, $1::int)
  WHERE m.message_id > $2::bigint
  RETURNING message_id
)
SELECT count(*)::int AS copies, max(message_id)::text AS highest FROM copies;

-- name: injectPoison
-- Fault: a message no consumer can handle, on queue $1.
INSERT INTO queue_messages (queue, payload, visible_at, max_attempts)
VALUES ($1, '{"chaos_poison": true, "kind": "not-a-wakeup"}'::jsonb, now(), $2::int);

-- name: terminateListeners
-- Fault: every backend of this database that holds a LISTEN dropped.
SELECT pid, pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%';

-- name: runningWorkers
-- The worker ids running an attempt now.
SELECT DISTINCT worker_id FROM tasks WHERE status = 'running' AND worker_id IS NOT NULL;

-- name: rangesInFlight
-- The ranges whose attempt runs now, the longest-running first.
SELECT r.stream_key, r.range_start::int AS range_start, r.range_end::int AS range_end
FROM sync_ranges r
JOIN tasks t ON t.task_id = r.task_id
JOIN task_attempts a ON a.task_id = t.task_id AND a.attempt = t.attempt
WHERE t.status = 'running'
ORDER BY a.started_at;

-- name: threadExitFailures
-- Attempts that failed because their pool thread ended (Piscina's error for a thread that exited).
SELECT count(*)::int AS failures FROM task_attempts WHERE outcome = 'failed' AND error LIKE '%worker exited with code%';

-- name: versionsReaching
-- Registered versions holding blocks from $1 on: what a reorg from $1 makes stale.
SELECT count(*)::int AS versions FROM dataset_versions WHERE range_end > $1;
