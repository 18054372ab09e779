-- Lease rows stay whole and uncompressed up to a page (8160 bytes): a batch of 100 small messages
-- is ~6 KB of arrays, which the default target (~2 KB) had pglz compress on every receive; with
-- the acks folded into the receive, that compression was the largest single item of the backend's
-- CPU (5.6%, perf on one client draining 100 per receive), and it is gone at this target. The
-- price is WAL: the lease row is logged uncompressed (~40 more bytes per message at 100 per
-- receive). Larger batches (up to RECEIVE_MAX, 1000) are still compressed and stored out of line.
ALTER TABLE {{state}}.queue_leases SET (toast_tuple_target = 8160);
