-- pgqueue receives into leases: a receive deletes its batch from queue_messages and writes one
-- queue_leases row holding the batch's messages as arrays, so in-flight messages leave the table
-- that receives scan, and a batch ack deletes one row instead of a hundred.
--
-- Why (bench/queue, 4 consumers x 100 per receive, 2 cores): receive as an in-place UPDATE of
-- each message then a DELETE per ack wrote two row versions per message and left both dead in
-- the scanned index; consume reached 0.37x the plain `DELETE ... SKIP LOCKED` baseline, and a
-- message cost 460 bytes of WAL (enqueue + consume, cluster-wide) against 272. With leases: 329 against 263
-- (pg_walinspect, the subject's relations only), the baseline's DELETE plus 1/100 of a lease row.
--
-- Receipts are fenced by the lease id: ids come from an identity that is never reused, and a
-- lapsed lease is deleted when its messages go back to queue_messages (or to the dead letters),
-- so a receipt from a lapsed lease, or from before a redrive, matches no lease row.
CREATE TABLE {{state}}.queue_leases (
  lease_id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue           text        NOT NULL,
  visible_until   timestamptz NOT NULL,
  -- Ids of the batch's messages not yet acked, nacked or released; the row goes when it empties.
  pending         bigint[]    NOT NULL,
  -- The batch as received, element i of each array being one message.
  message_ids     bigint[]    NOT NULL,
  payloads        jsonb[]     NOT NULL,
  delivery_counts integer[]   NOT NULL,
  max_attempts    integer[]   NOT NULL,
  enqueued_at     timestamptz[] NOT NULL,
  last_errors     text[]      NOT NULL
);
-- Finds the lapsed leases of a queue (reclaim) and the next lapse (an idle consumer's sleep).
CREATE INDEX queue_leases_lapse ON {{state}}.queue_leases (queue, visible_until);

-- Messages in flight before this migration stay where they are and are delivered again once their
-- visibility lapses; a receipt taken before it names no lease and is refused.

-- Receives no longer rewrite a message in place (it moves to a lease), so the room fillfactor 60
-- kept for HOT updates would only spread the table over more pages.
ALTER TABLE {{state}}.queue_messages SET (fillfactor = 100);
