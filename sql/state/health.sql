-- Statements of the gateway's health probes (src/gateway/app.ts).

-- name: ping
-- Readiness: the database answers.
SELECT 1 AS ok;
