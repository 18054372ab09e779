-- Statements of the gateway's health probes (actors/gateway/app.ts).

-- name: ping
-- Readiness: the database answers.
SELECT 1 AS ok;
