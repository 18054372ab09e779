-- Buffer batches become appliable only when their attempt succeeds, and are re-announced by the
-- dispatcher's sweeper while pending; parked outbox rows retry on a slow schedule by themselves.

-- announced_at: when the batch's wake-up was last written, by its attempt's success or by the
-- sweeper; NULL while the attempt has not succeeded. A batch of an attempt that ended otherwise
-- is 'discarded' (never applied; its staged object is left to the janitor). dead_lettered_at: its
-- wake-up went to the dead-letter table; the sweeper leaves it to a redrive.
ALTER TABLE {{state}}.buffer_batches
  ADD COLUMN announced_at timestamptz,
  ADD COLUMN discarded_at timestamptz,
  ADD COLUMN dead_lettered_at timestamptz,
  DROP CONSTRAINT buffer_batches_status_check,
  ADD CONSTRAINT buffer_batches_status_check CHECK (status IN ('pending', 'applied', 'discarded'));
-- Batches pending before this migration were announced when they were recorded.
UPDATE {{state}}.buffer_batches SET announced_at = created_at WHERE status = 'pending';
CREATE INDEX buffer_batches_pending_announced ON {{state}}.buffer_batches (announced_at) WHERE status = 'pending';

-- The publisher now claims parked rows too once they are due (next_attempt_at), so this index of
-- unparked rows serves nothing; the primary key serves the claim's ORDER BY outbox_id.
DROP INDEX {{state}}.outbox_due;
