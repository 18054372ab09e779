-- Statements of the outbox (actors/state/outbox/outboxStore.ts).

-- name: insertWakeups
-- One wake-up per payload in $2 (a JSON array) for queue $1.
INSERT INTO outbox (queue, payload)
SELECT $1, payload FROM jsonb_array_elements($2::jsonb) AS p(payload);

-- name: claimDue
-- Locks a batch of due rows (parked ones too, on their slow schedule); other publishers skip them
-- until this transaction ends.
SELECT outbox_id::text AS outbox_id, queue, payload, delay_seconds
FROM outbox
WHERE next_attempt_at <= now()
ORDER BY outbox_id
LIMIT $1
FOR UPDATE SKIP LOCKED;

-- name: deletePublished
DELETE FROM outbox WHERE outbox_id = ANY ($1::bigint[]);

-- name: recordPublishFailure
-- Backs the rows off (least($4, $3 * 2 ^ failures) seconds); after $5 failures they are parked
-- (since their first parking) and tried again every $6 seconds.
UPDATE outbox
SET publish_failures = publish_failures + 1, last_error = $2,
    next_attempt_at = now() + make_interval(secs => CASE WHEN publish_failures + 1 >= $5 THEN $6::float8
                                                         ELSE least($4::float8, $3::float8 * 2 ^ publish_failures) END),
    parked_at = CASE WHEN publish_failures + 1 >= $5 THEN coalesce(parked_at, now()) END
WHERE outbox_id = ANY ($1::bigint[])
RETURNING outbox_id::text AS outbox_id, parked_at IS NOT NULL AS parked;

-- name: unpark
UPDATE outbox SET parked_at = NULL, publish_failures = 0, next_attempt_at = now(), last_error = NULL
WHERE parked_at IS NOT NULL;

-- name: stats
SELECT count(*) FILTER (WHERE parked_at IS NULL)::int AS pending,
       count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked,
       coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL)), 0)::float8 AS oldest_age_seconds
FROM outbox;

