-- Secondary indexes a bulk load into an empty store set aside, to build each once at its
-- end. A load that is killed leaves them here, and whoever opens the store next builds them.
-- Only SQLite stores load in bulk so far; the table keeps the two schemas alike.

CREATE TABLE deferred_indexes (
    name          TEXT PRIMARY KEY,
    definition    TEXT NOT NULL,
    run_id        UUID NOT NULL REFERENCES import_runs (id)
);
