-- Autovacuum settings for the queue tables, where every message leaves one dead row (and every
-- batch one dead lease row). The defaults wait for 20% of the table to be dead and then sleep
-- between pages (cost delay 2 ms); a queue whose live rows stay small but pass at 20k msg/s would
-- be vacuumed late and slowly. A fixed threshold vacuums them on each autovacuum visit once 10,000
-- rows (0.5 s of such traffic) are dead, without cost-based sleeping: the tables are small when
-- kept vacuumed (20k live rows are ~2 MB). The driver also vacuums them itself between visits
-- (VACUUM_EVERY_MESSAGES in drivers/queue/pgQueueDriver.ts), because autovacuum visits a database
-- at most once per autovacuum_naptime: in a 60 s steady round on a fresh cluster its first visit
-- came after the round, with 847k dead rows in queue_messages and consume down to 0.36x its first
-- 10 s (bench/queue steady round, load 12-13).
ALTER TABLE {{state}}.queue_messages SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 10000,
  autovacuum_vacuum_cost_delay = 0
);
ALTER TABLE {{state}}.queue_leases SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_cost_delay = 0
);
