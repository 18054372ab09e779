-- Statements that wake dispatchers (actors/state/dispatchEvents.ts). A dispatcher idles on long
-- intervals and is woken by these; its periodic safety polls cover a notification lost while its
-- LISTEN connection was down.

-- name: notifyDispatchers
-- Wakes every dispatcher's duties for event $2 on channel $1, when the caller's transaction commits.
SELECT pg_notify($1, $2);

-- name: notifyIfPlannerSlot
-- Wakes the planners when task $2 held one of their slots: a chain_sync range (its end frees a slot
-- for the next range) or a compaction (its end frees one of the compaction planner's).
SELECT pg_notify($1, 'plan')
WHERE EXISTS (SELECT 1 FROM sync_ranges WHERE task_id = $2)
   OR EXISTS (SELECT 1 FROM tasks WHERE task_id = $2 AND operator = 'compact');
