-- Statements of the Postgres queue driver (drivers/queue/pgQueueDriver.ts).
-- $queue is always $1. Receipts are (queue, message_id, delivery_count).

-- name: publish
-- Inserts a batch of messages and wakes listeners when the transaction commits. The notification
-- carries the time the batch becomes visible, so a listener can wake up for a delayed message.
-- Every element of $2 becomes a row, so the count is the array's cardinality: counting a
-- `RETURNING 1` instead cost 11% of the bare statement's throughput and 3-4% of batched publishes
-- through the driver (4 producers x 100 per call, paired medians of 7-11 rounds, bench/queue).
WITH inserted AS (
  INSERT INTO queue_messages (queue, payload, visible_at, max_attempts)
  SELECT $1, payload, now() + make_interval(secs => $3), $4
  FROM unnest($2::jsonb[]) AS p(payload)
)
SELECT cardinality($2::jsonb[]) AS published,
       pg_notify($5, json_build_object('queue', $1::text, 'at', (extract(epoch FROM now()) * 1000 + $3 * 1000)::bigint)::text);

-- name: receive
-- Hides up to $2 visible messages for $3 seconds and returns them with their new delivery count.
-- A visible message that already used its whole delivery budget (its last visibility lapsed) is
-- moved to the dead-letter table in the same statement instead of being delivered again.
WITH picked AS (
  SELECT message_id, delivery_count >= max_attempts AS exhausted
  FROM queue_messages
  WHERE queue = $1 AND visible_at <= now()
  ORDER BY message_id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), exhausted AS (
  DELETE FROM queue_messages m
  USING picked p
  WHERE m.queue = $1 AND m.message_id = p.message_id AND p.exhausted
  RETURNING m.*
), buried AS (
  INSERT INTO queue_dead_letters (queue, message_id, payload, delivery_count, max_attempts, enqueued_at, last_error)
  SELECT queue, message_id, payload, delivery_count, max_attempts, enqueued_at,
         coalesce(last_error, 'visibility timed out on the last allowed delivery')
  FROM exhausted
)
UPDATE queue_messages m
SET visible_at = now() + make_interval(secs => $3), delivery_count = m.delivery_count + 1
FROM picked p
WHERE m.queue = $1 AND m.message_id = p.message_id AND NOT p.exhausted
RETURNING m.message_id::text AS message_id, m.delivery_count, m.payload, m.enqueued_at;

-- name: ack
-- Deletes delivered messages whose receipts are current; returns the ids it deleted.
DELETE FROM queue_messages m
USING unnest($2::bigint[], $3::int[]) AS r(message_id, delivery_count)
WHERE m.queue = $1 AND m.message_id = r.message_id AND m.delivery_count = r.delivery_count
RETURNING m.message_id::text AS message_id;

-- name: nack
-- Makes a delivery visible again after $4 seconds, or dead-letters it when it was the last allowed
-- delivery. Returns one row when the receipt was current.
WITH target AS (
  SELECT message_id, delivery_count >= max_attempts AS exhausted
  FROM queue_messages
  WHERE queue = $1 AND message_id = $2 AND delivery_count = $3
  FOR UPDATE
), exhausted AS (
  DELETE FROM queue_messages m
  USING target t
  WHERE m.queue = $1 AND m.message_id = t.message_id AND t.exhausted
  RETURNING m.*
), buried AS (
  INSERT INTO queue_dead_letters (queue, message_id, payload, delivery_count, max_attempts, enqueued_at, last_error)
  SELECT queue, message_id, payload, delivery_count, max_attempts, enqueued_at, $5
  FROM exhausted
), retried AS (
  UPDATE queue_messages m
  SET visible_at = now() + make_interval(secs => $4), last_error = $5
  FROM target t
  WHERE m.queue = $1 AND m.message_id = t.message_id AND NOT t.exhausted
  RETURNING 1
)
SELECT t.exhausted AS dead_lettered,
       pg_notify($6, json_build_object('queue', $1::text, 'at', (extract(epoch FROM now()) * 1000 + $4 * 1000)::bigint)::text)
FROM target t;

-- name: release
-- Hands a delivery back unspent: the message returns after $4 seconds under a new id with its
-- delivery count lowered by one, so the hand-back costs none of its budget and its receipt is
-- refused at once (kept under its id, the next delivery would get count $3 again and the old
-- receipt would match it, as redrive explains). Returns one row when the receipt was current.
WITH released AS (
  DELETE FROM queue_messages
  WHERE queue = $1 AND message_id = $2 AND delivery_count = $3
  RETURNING *
), requeued AS (
  INSERT INTO queue_messages (queue, payload, visible_at, delivery_count, max_attempts, enqueued_at, last_error)
  SELECT queue, payload, now() + make_interval(secs => $4), delivery_count - 1, max_attempts, enqueued_at, last_error
  FROM released
  RETURNING 1
)
SELECT pg_notify($5, json_build_object('queue', $1::text, 'at', (extract(epoch FROM now()) * 1000 + $4 * 1000)::bigint)::text)
FROM requeued;

-- name: extendVisibility
UPDATE queue_messages
SET visible_at = now() + make_interval(secs => $4)
WHERE queue = $1 AND message_id = $2 AND delivery_count = $3
RETURNING 1;

-- name: redrive
-- Moves dead letters (all of the queue's, or those in $2 when given) back with a fresh budget. Each
-- gets a new message id: its delivery count restarts at 0, so under its old id a receipt from its
-- first life, (id, delivery_count), would be valid again for the new delivery with that count.
WITH revived AS (
  DELETE FROM queue_dead_letters
  WHERE queue = $1 AND ($2::bigint[] IS NULL OR message_id = ANY ($2))
  RETURNING *
), requeued AS (
  INSERT INTO queue_messages (queue, payload, visible_at, delivery_count, max_attempts, enqueued_at, last_error)
  SELECT queue, payload, now(), 0, max_attempts, enqueued_at, last_error
  FROM revived
  RETURNING 1
)
SELECT (SELECT count(*) FROM requeued)::int AS redriven,
       pg_notify($3, json_build_object('queue', $1::text, 'at', 0)::text);

-- name: deadLetters
SELECT message_id::text AS message_id, queue, payload, delivery_count, last_error, died_at
FROM queue_dead_letters
WHERE queue = $1
ORDER BY died_at, message_id
LIMIT $2;

-- name: metrics
-- Depth and age for one queue ($1) or all queues ($1 IS NULL).
SELECT
  (SELECT count(*) FROM queue_messages WHERE $1::text IS NULL OR queue = $1)::int AS depth,
  (SELECT count(*) FROM queue_messages WHERE ($1::text IS NULL OR queue = $1) AND visible_at <= now())::int AS visible,
  coalesce((SELECT extract(epoch FROM now() - min(enqueued_at)) FROM queue_messages
            WHERE ($1::text IS NULL OR queue = $1) AND visible_at <= now()), 0)::float8 AS oldest_age_seconds,
  (SELECT count(*) FROM queue_dead_letters WHERE $1::text IS NULL OR queue = $1)::int AS dead;

-- name: purge
WITH purged AS (DELETE FROM queue_messages WHERE queue = $1 RETURNING 1)
SELECT count(*)::int AS purged FROM purged;

-- name: nextVisibleAt
-- When the next message of the queue becomes visible (delayed, nacked or in flight); an idle
-- consumer sleeps until then at most. Runs only when a receive came back empty.
SELECT min(visible_at) AS next_visible_at FROM queue_messages WHERE queue = $1;
