-- The Postgres queue (pgqueue): wake-up messages with visibility timeouts, fenced receipts and a
-- dead-letter table.
--
-- Write amplification is the design constraint (each receive rewrites a row, each ack deletes it):
-- the only index is the primary key (queue, message_id), which both the fetch scan and the ack use,
-- and visible_at / delivery_count are unindexed so a receive is a HOT update that touches no index.
-- fillfactor 60 leaves room on each page for those in-page row versions.
CREATE TABLE {{state}}.queue_messages (
  queue          text        NOT NULL,
  message_id     bigint      GENERATED ALWAYS AS IDENTITY,
  payload        jsonb       NOT NULL,
  visible_at     timestamptz NOT NULL,
  delivery_count integer     NOT NULL DEFAULT 0,
  max_attempts   integer     NOT NULL CHECK (max_attempts > 0),
  enqueued_at    timestamptz NOT NULL DEFAULT now(),
  last_error     text,
  PRIMARY KEY (queue, message_id)
) WITH (fillfactor = 60);

CREATE TABLE {{state}}.queue_dead_letters (
  queue          text        NOT NULL,
  message_id     bigint      NOT NULL,
  payload        jsonb       NOT NULL,
  delivery_count integer     NOT NULL,
  max_attempts   integer     NOT NULL,
  enqueued_at    timestamptz NOT NULL,
  died_at        timestamptz NOT NULL DEFAULT now(),
  last_error     text,
  PRIMARY KEY (queue, message_id)
);
