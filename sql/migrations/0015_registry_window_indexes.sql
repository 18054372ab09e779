-- The Query Service pins, per query, only the live versions its block window reaches and the tip of
-- each dataset on each chain (sql/state/query.sql versionsInWindows), through these indexes, so a
-- tip query's registry lookup does not grow with the history (it read every live version).

-- Live versions of a dataset by their end: a window [from, to) reaches those ending after `from`;
-- a tip window reads the last few entries.
CREATE INDEX dataset_versions_live_by_end ON {{state}}.dataset_versions (dataset, range_end) WHERE superseded_at IS NULL;

-- The tip of a dataset on a chain: the end of its newest live version, the last entry here (the
-- view dataset_tips aggregates every live version instead).
CREATE INDEX dataset_versions_live_tips ON {{state}}.dataset_versions (dataset, chain_id, range_end) WHERE superseded_at IS NULL;

-- The chains with committed data (a template's default chain): the smallest and the largest id.
CREATE INDEX dataset_versions_chains ON {{state}}.dataset_versions (chain_id);
