-- Reorgs seen by the tip follower: the first block whose hash changed, and when. Every range of the
-- job from that block on was invalidated (ledger rows and registered versions removed) and is
-- planned again, so hot rows and cold files are recomputed from the canonical chain.
CREATE TABLE {{state}}.reorgs (
  reorg_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id      bigint      NOT NULL REFERENCES {{state}}.sync_jobs ON DELETE CASCADE,
  chain_id    bigint      NOT NULL,
  from_block  bigint      NOT NULL,
  old_hash    bytea       NOT NULL,
  new_hash    bytea       NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now()
);
