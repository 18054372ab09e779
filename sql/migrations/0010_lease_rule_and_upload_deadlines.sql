-- One rule of lease validity for every statement that judges it: an attempt holds its lease until
-- lease_expires_at, by the database clock. The fenced transitions (heartbeat, success, failure,
-- hand-back, a retried claim, the commit's fence lock) require it; the lease reaper takes exactly
-- the running attempts that fail it; the janitor counts such an attempt as one that can no longer
-- commit. Nothing renews a lapsed lease, so an attempt that lost it never gets it back.
-- (A plain SQL expression: the planner inlines it, so the reaper's NOT lease_held(...) still
-- scans tasks_expiring_leases.)
CREATE FUNCTION {{state}}.lease_held(expires_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT expires_at > now() $$;

-- The wake-up message whose delivery claimed the running attempt: the same worker retrying that
-- claim (its reply was lost) gets the attempt back instead of leaving it to lapse.
ALTER TABLE {{state}}.tasks ADD COLUMN claim_message_id text;

-- upload_deadline: no write to the key can land after it (the object store driver sends nothing of
-- an upload after the upload's deadline, and the recorded one adds the time a request already sent
-- may still take). deleted_at: the janitor deleted the object before that deadline, so a slow
-- upload may still land; it deletes it again once the deadline passed, and only then drops the
-- record. Uploads begun before this migration had no deadline: their rows get an hour.
ALTER TABLE {{state}}.staged_objects
  ADD COLUMN upload_deadline timestamptz NOT NULL DEFAULT now() + interval '1 hour',
  ADD COLUMN deleted_at timestamptz;
ALTER TABLE {{state}}.staged_objects ALTER COLUMN upload_deadline DROP DEFAULT;
