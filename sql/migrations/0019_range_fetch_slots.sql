-- A range holds its stream's fetch slot (max_inflight) only until the attempt that runs it has read
-- it from the node: the attempt then records its number here and the planner plans the range's
-- successor while this one is decoded, written as Parquet, uploaded and committed (pipelining;
-- bench/ingest). A retry's new attempt number no longer matches, so a retried range holds a slot
-- again until it has been read again.
ALTER TABLE {{state}}.sync_ranges ADD COLUMN fetched_attempt integer;
