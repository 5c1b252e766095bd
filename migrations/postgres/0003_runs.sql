-- Runs that can be trusted: where a run stands (to resume it after a crash), which process
-- runs it (to tell a live run from a dead one), and what each run changed (to revert it).

ALTER TABLE import_runs ADD COLUMN progress JSONB;
ALTER TABLE import_runs ADD COLUMN pid BIGINT;
ALTER TABLE import_runs ADD COLUMN host TEXT;

-- Records a run changed, as they were before its first change to them. Records a run
-- created carry the run themselves (leads.origin_id, created_by_run).
CREATE TABLE run_changes (
    run_id        UUID NOT NULL REFERENCES import_runs (id),
    entity        TEXT NOT NULL CHECK (entity IN ('lead', 'person', 'organization')),
    entity_id     UUID NOT NULL,
    before        JSONB NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, entity, entity_id)
);

ALTER TABLE person_emails ADD COLUMN created_by_run UUID REFERENCES import_runs (id);
ALTER TABLE person_phones ADD COLUMN created_by_run UUID REFERENCES import_runs (id);
