-- Statements that wake dispatchers (actors/state/dispatchEvents.ts). A dispatcher idles on long
-- intervals and is woken by these; its periodic safety polls cover a notification lost while its
-- LISTEN connection was down.

-- name: notifyDispatchers
-- Wakes every dispatcher's duties for event $2 on channel $1, when the caller's transaction commits.
SELECT pg_notify($1, $2);

-- name: notifyIfSyncRange
-- Wakes the planners when task $2 is a chain_sync range (its end frees a slot for the next range).
SELECT pg_notify($1, 'plan') FROM sync_ranges WHERE task_id = $2 LIMIT 1;
