-- The outbox: queue side effects written in the same transaction as the intent they announce,
-- published later by the publisher actor. Rows are deleted once published; rows that keep failing
-- are parked (parked_at) with their last error instead of being dropped.
CREATE TABLE {{state}}.outbox (
  outbox_id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue            text        NOT NULL,
  payload          jsonb       NOT NULL,
  delay_seconds    integer     NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  publish_failures integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  parked_at        timestamptz
);
CREATE INDEX outbox_due ON {{state}}.outbox (outbox_id) WHERE parked_at IS NULL;

-- Wakes the publisher when an intent transaction commits (NOTIFY is delivered at commit). The
-- channel is named after the schema so installations sharing a database stay apart.
CREATE FUNCTION {{state}}.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON {{state}}.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION {{state}}.notify_outbox();
