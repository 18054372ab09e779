-- Statements of the Postgres queue driver (drivers/queue/pgQueueDriver.ts).
-- Waiting messages live in queue_messages; a receive moves its batch into one queue_leases row
-- (sql/migrations/0014_queue_leases.sql). A receipt is (lease_id, token, message_id): it is current
-- while the message is in the `pending` of the lease with that id and token (0025_queue_lease_tokens).

-- name: publish
-- Inserts a batch of messages, and NOTIFYs $6 on channel $5 when the driver's notice sender says a
-- notice is due now (the first of its coalescing window, drivers/queue/pgNoticeSender.ts); the
-- other publishes of the window notify nothing, and one trailing notice follows them.
-- A delayed notice's `at` is set here from the now() that visible_at is computed from: the client's
-- clock, read before the statement waited for a connection, woke a consumer of a delayed message
-- while it was still hidden (conformance test of delayed wake-ups, under load). A notice for now
-- keeps the client's time: rounded up from the server's, it could lie up to 1 ms ahead of the
-- listener's clock, which then waited for it plus the 5 ms slack (wake-up p50 2.2 ms against 1.1-1.5).
WITH inserted AS (
  INSERT INTO queue_messages (queue, payload, visible_at, max_attempts)
  SELECT $1, payload, now() + make_interval(secs => $3), $4
  FROM unnest($2::jsonb[]) AS p(payload)
)
SELECT pg_notify($5, CASE WHEN $3 > 0
                          THEN jsonb_set($6::jsonb, '{at}', to_jsonb(ceil(date_part('epoch', now() + make_interval(secs => $3)) * 1000)))::text
                          ELSE $6::text END)
WHERE $6::text IS NOT NULL;

-- name: publishOne
-- The publish of one message ($2): as `publish`, without the array its parameter would be sent as
-- (the client escaping the JSON into an array literal, the server parsing it back and unnesting).
-- Single publishes ran at 0.70–0.77× the baseline's single INSERT through `publish` (bench/queue).
WITH inserted AS (
  INSERT INTO queue_messages (queue, payload, visible_at, max_attempts)
  VALUES ($1, $2::jsonb, now() + make_interval(secs => $3), $4)
)
SELECT pg_notify($5, CASE WHEN $3 > 0
                          THEN jsonb_set($6::jsonb, '{at}', to_jsonb(ceil(date_part('epoch', now() + make_interval(secs => $3)) * 1000)))::text
                          ELSE $6::text END)
WHERE $6::text IS NOT NULL;

-- name: notify
SELECT pg_notify($1, $2);

-- name: receive
-- One round trip per batch: settles the acks folded into it ($4 lease ids, $5 lease tokens, $6 each
-- lease's acked message ids as an array literal, element by element: the driver groups receipts by
-- lease), then takes up to $2 (at most 1000, RECEIVE_MAX in the driver) visible messages of queue
-- $1, oldest first, out of queue_messages and into one new lease hidden for $3 seconds. A flush of
-- acks alone passes $2 = 0 (the LIMIT 0 pulls no row, so nothing is scanned or locked).
--
-- Why folded (bench/queue, 4 consumers × 100 per receive, 2 cores): with the ack a statement of its
-- own, a batch cost two round trips and 1.03–1.12 ms of the client's CPU against the baseline's
-- one and 0.30 ms, and the ack was half of the consume's time; receiving without acking at all ran
-- at 0.96× the baseline where receive-then-ack ran at 0.40–0.55×. The acks of an event-loop turn
-- go with the receive issued in it, or alone right after it (drivers/queue/pgAckBuffer.ts).
--
-- Acks: each acked id is taken out of its lease's `pending`; a lease whose every message is settled
-- is deleted (a batch ack deletes one row). `acks` holds, for each lease found with its token, its
-- position in $4 and the acked ids that were not pending; a lease not found refuses all its ids.
-- `pending` is read whole (`<@`, `EXCEPT`), never per id: stored compressed, it was decompressed
-- once per acked id by `id <> ALL (pending)`, ~6% of the backend's CPU (perf, one client). The
-- settled leases are deleted and trimmed by the ctid they were locked at, not joined again by
-- lease id (the generic plan hash-joined a sequential scan of queue_leases for each of the two).
--
-- Receive: the rows are taken by ctid, as `= ANY (ARRAY(subquery))` (a TID scan, no index probe
-- per row; a row's ctid cannot change while this statement holds its lock): the baseline's ctid form
-- consumed 239k msg/s against its id form's 176k in the same run (bench/queue, 2026-12-05 23:30 UTC),
-- and the `IN (subquery)` form is planned as a hash semi join over a sequential scan at a
-- 20k-message backlog (see bench/queue/baseline.ts).
-- The constant inner LIMIT keeps the prepared statement on its generic plan: with `LIMIT $2`
-- alone the generic plan is costed for 10% of the backlog (216 against 72 at 20k messages), so
-- Postgres re-planned every call (0.2–0.5 ms of planning against 0.5–0.7 ms of execution, EXPLAIN
-- ANALYZE); capped, both plans cost the same and the generic one (0.01 ms) is kept. Rows are
-- locked as the outer LIMIT pulls them, so a receive still locks only the $2 it takes.
-- The batch comes back as one JSON array (`messages`: [message id, delivery count, payload,
-- enqueued at in epoch milliseconds] each, oldest first), parsed by one JSON.parse: as 100 rows of
-- six columns the client spent more CPU parsing them (rows, timestamps, bigints) than on anything
-- else it did; with the acks folded in, the client's CPU per batch of 100 fell from 1.03-1.12 ms
-- to 0.42-0.47 ms (the baseline's: 0.26-0.33).
--
-- The statement commits without waiting for its WAL flush (synchronous_commit off for this
-- transaction alone). A receive lost in a server crash is undone: its messages are delivered again
-- (at-least-once), and its lease id, which may be handed out again after the crash, is fenced by
-- the lease's random token (0025_queue_lease_tokens.sql). An ack lost in a crash (the last
-- ~0.6 s, 3 × wal_writer_delay) leaves its lease in place, which lapses and redelivers (or
-- dead-letters, on the last allowed delivery), as at-least-once allows. With the flush, a
-- receive-and-ack waited for one WAL flush per batch where the baseline's DELETE waits for one
-- too, and the flush is what the statements waited on: consume 1 per receive 0.63x -> 1.57x the
-- baseline unflushed (median of 4 paired repeats, load 12-14). The baseline's DELETE could skip its
-- flush too and stay at-least-once; it is measured as written, flushed. Publish keeps its flush: a
-- lost publish would be a lost message.
WITH acked AS (
  SELECT a.position, a.lease_id, a.token, a.ids::bigint[] AS ids
  FROM unnest($4::bigint[], $5::uuid[], $6::text[]) WITH ORDINALITY AS a(lease_id, token, ids, position)
), locked AS (
  SELECT a.position, l.ctid AS row, l.pending, a.ids, l.pending <@ a.ids AS emptied
  FROM queue_leases l JOIN acked a ON a.lease_id = l.lease_id AND a.token = l.token
  ORDER BY l.lease_id
  FOR UPDATE OF l
), emptied AS (
  DELETE FROM queue_leases l
  USING locked k
  WHERE l.ctid = k.row AND k.emptied
), trimmed AS (
  UPDATE queue_leases l
  SET pending = ARRAY(SELECT id FROM unnest(k.pending) AS id WHERE id <> ALL (k.ids))
  FROM locked k
  WHERE l.ctid = k.row AND NOT k.emptied
), taken AS (
  DELETE FROM queue_messages m
  WHERE m.ctid = ANY (ARRAY(
    SELECT ctid FROM (
      SELECT ctid FROM queue_messages
      WHERE queue = $1 AND visible_at <= now()
      ORDER BY message_id
      LIMIT 1000
      FOR UPDATE SKIP LOCKED) oldest
    LIMIT $2))
  RETURNING m.message_id, m.payload, m.delivery_count + 1 AS delivery_count, m.max_attempts, m.enqueued_at, m.last_error
), leased AS (
  INSERT INTO queue_leases (queue, visible_until, pending, message_ids, payloads, delivery_counts, max_attempts, enqueued_at, last_errors)
  SELECT $1, now() + make_interval(secs => $3), array_agg(message_id), array_agg(message_id), array_agg(payload),
         array_agg(delivery_count), array_agg(max_attempts), array_agg(enqueued_at), array_agg(last_error)
  FROM taken
  HAVING count(*) > 0
  RETURNING lease_id, token
)
SELECT (SELECT json_agg(json_build_array(k.position, CASE WHEN k.ids <@ k.pending THEN '{}'
                                                           ELSE ARRAY(SELECT unnest(k.ids) EXCEPT SELECT unnest(k.pending)) END::text[]))
        FROM locked k) AS acks,
       (SELECT lease_id::text FROM leased) AS lease_id,
       (SELECT token::text FROM leased) AS token,
       (SELECT json_agg(json_build_array(t.message_id::text, t.delivery_count, t.payload, date_part('epoch', t.enqueued_at) * 1000) ORDER BY t.message_id)
        FROM taken t) AS messages,
       set_config('synchronous_commit', 'off', true) AS unflushed;

-- name: reclaim
-- Ends the lapsed leases of queue $1: each pending message goes back to queue_messages under its
-- id, visible at once, or to the dead letters when the lapsed delivery was its last allowed one.
-- The lease row goes, so the lapsed receipts are refused from now on. Returns how many came back.
WITH lapsed AS (
  DELETE FROM queue_leases
  WHERE lease_id = ANY (ARRAY(
    SELECT lease_id FROM queue_leases
    WHERE queue = $1 AND visible_until <= now()
    FOR UPDATE SKIP LOCKED))
  RETURNING *
), messages AS (
  SELECT l.queue, m.*
  FROM lapsed l,
       unnest(l.message_ids, l.payloads, l.delivery_counts, l.max_attempts, l.enqueued_at, l.last_errors)
         AS m(message_id, payload, delivery_count, max_attempts, enqueued_at, last_error)
  WHERE m.message_id = ANY (l.pending)
), buried AS (
  INSERT INTO queue_dead_letters (queue, message_id, payload, delivery_count, max_attempts, enqueued_at, last_error)
  SELECT queue, message_id, payload, delivery_count, max_attempts, enqueued_at,
         coalesce(last_error, 'visibility timed out on the last allowed delivery')
  FROM messages
  WHERE delivery_count >= max_attempts
), requeued AS (
  INSERT INTO queue_messages (queue, message_id, payload, visible_at, delivery_count, max_attempts, enqueued_at, last_error)
  OVERRIDING SYSTEM VALUE
  SELECT queue, message_id, payload, now(), delivery_count, max_attempts, enqueued_at, last_error
  FROM messages
  WHERE delivery_count < max_attempts
  RETURNING 1
)
SELECT (SELECT count(*) FROM requeued)::int AS requeued;

-- name: handBack
-- Takes message $2 out of lease $1 (token $6) and returns it to queue_messages under its id, visible after $3
-- seconds with last error $4. $5 (a nack) spends the delivery: on the last allowed one the message
-- goes to the dead letters instead. Without $5 (a release) its delivery count is lowered by one so
-- the hand-back costs none of its budget. Returns one row when the receipt was current.
WITH locked AS (
  SELECT l.lease_id, l.queue, l.pending, array_position(l.message_ids, $2::bigint) AS i
  FROM queue_leases l
  WHERE l.lease_id = $1 AND l.token = $6::uuid AND $2::bigint = ANY (l.pending)
  FOR UPDATE
), message AS (
  SELECT k.queue, l.message_ids[k.i] AS message_id, l.payloads[k.i] AS payload,
         l.delivery_counts[k.i] - CASE WHEN $5::boolean THEN 0 ELSE 1 END AS delivery_count,
         l.max_attempts[k.i] AS max_attempts, l.enqueued_at[k.i] AS enqueued_at,
         coalesce($4::text, l.last_errors[k.i]) AS last_error,
         $5::boolean AND l.delivery_counts[k.i] >= l.max_attempts[k.i] AS exhausted
  FROM locked k JOIN queue_leases l ON l.lease_id = k.lease_id
), emptied AS (
  DELETE FROM queue_leases l
  USING locked k
  WHERE l.lease_id = k.lease_id AND k.pending = ARRAY[$2::bigint]
), trimmed AS (
  UPDATE queue_leases l
  SET pending = array_remove(k.pending, $2::bigint)
  FROM locked k
  WHERE l.lease_id = k.lease_id AND k.pending <> ARRAY[$2::bigint]
), buried AS (
  INSERT INTO queue_dead_letters (queue, message_id, payload, delivery_count, max_attempts, enqueued_at, last_error)
  SELECT queue, message_id, payload, delivery_count, max_attempts, enqueued_at, last_error
  FROM message
  WHERE exhausted
), requeued AS (
  INSERT INTO queue_messages (queue, message_id, payload, visible_at, delivery_count, max_attempts, enqueued_at, last_error)
  OVERRIDING SYSTEM VALUE
  SELECT queue, message_id, payload, now() + make_interval(secs => $3), delivery_count, max_attempts, enqueued_at, last_error
  FROM message
  WHERE NOT exhausted
)
SELECT exhausted AS dead_lettered FROM message;

-- name: extendVisibility
-- Keeps lease $1 (token $4) hidden for $3 more seconds from now, while message $2 is pending in it. The whole
-- batch's lease is extended: its other messages are held by the same consumer.
UPDATE queue_leases
SET visible_until = now() + make_interval(secs => $3)
WHERE lease_id = $1 AND token = $4::uuid AND $2::bigint = ANY (pending)
RETURNING 1;

-- name: redrive
-- Moves dead letters (all of the queue's, or those in $2 when given) back with a fresh budget,
-- each under a new message id. Receipts of their first life named a lease that is gone.
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
SELECT count(*)::int AS redriven FROM requeued;

-- name: deadLetters
SELECT message_id::text AS message_id, queue, payload, delivery_count, last_error, died_at
FROM queue_dead_letters
WHERE queue = $1
ORDER BY died_at, message_id
LIMIT $2;

-- name: metrics
-- Depth and age for one queue ($1) or all queues ($1 IS NULL). The messages of a lapsed lease count
-- as visible: the next receive takes them back.
WITH waiting AS (
  SELECT count(*) AS depth,
         count(*) FILTER (WHERE visible_at <= now()) AS visible,
         min(enqueued_at) FILTER (WHERE visible_at <= now()) AS oldest
  FROM queue_messages
  WHERE $1::text IS NULL OR queue = $1
), leased AS (
  SELECT coalesce(sum(cardinality(pending)), 0) AS depth,
         coalesce(sum(cardinality(pending)) FILTER (WHERE visible_until <= now()), 0) AS visible,
         min((SELECT min(e) FROM unnest(enqueued_at) AS e)) FILTER (WHERE visible_until <= now()) AS oldest
  FROM queue_leases
  WHERE $1::text IS NULL OR queue = $1
)
SELECT (w.depth + l.depth)::int AS depth,
       (w.visible + l.visible)::int AS visible,
       coalesce(extract(epoch FROM now() - least(w.oldest, l.oldest)), 0)::float8 AS oldest_age_seconds,
       (SELECT count(*) FROM queue_dead_letters WHERE $1::text IS NULL OR queue = $1)::int AS dead
FROM waiting w, leased l;

-- name: purge
WITH purged AS (DELETE FROM queue_messages WHERE queue = $1 RETURNING 1),
     released AS (DELETE FROM queue_leases WHERE queue = $1 RETURNING cardinality(pending) AS n)
SELECT ((SELECT count(*) FROM purged) + (SELECT coalesce(sum(n), 0) FROM released))::int AS purged;

-- name: nextVisibleAt
-- When the next message of the queue becomes visible (delayed, handed back, or in a lease that
-- may lapse), and whether a lease already lapsed (the caller reclaims it); an idle consumer sleeps
-- until then at most. Runs only when a receive came back empty.
SELECT least(m.next, l.next) AS next_visible_at, coalesce(l.next <= now(), false) AS lapsed
FROM (SELECT min(visible_at) AS next FROM queue_messages WHERE queue = $1) m,
     (SELECT min(visible_until) AS next FROM queue_leases WHERE queue = $1) l;

-- name: vacuum
-- The driver's own vacuum of the tables every message passes through (VACUUM_EVERY_MESSAGES in
-- the driver says why). SKIP_LOCKED: a table another vacuum holds is skipped, not waited for.
VACUUM (SKIP_LOCKED) queue_messages, queue_leases;
