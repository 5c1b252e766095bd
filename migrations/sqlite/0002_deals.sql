-- Conversion and deal bookkeeping: formula fields kept on the deal, the formulas
-- themselves (so every command that changes a deal can recompute them), the lead as it
-- was when it converted (to put it back when a conversion is reverted), and the kind of
-- each run.

ALTER TABLE deals ADD COLUMN formula_fields TEXT NOT NULL DEFAULT '{}';

CREATE TABLE formulas (
    name          TEXT PRIMARY KEY,
    expression    TEXT NOT NULL,
    position      INTEGER NOT NULL
);

ALTER TABLE conversions ADD COLUMN lead TEXT NOT NULL DEFAULT '{}';
ALTER TABLE conversions ADD COLUMN run_id TEXT REFERENCES import_runs (id);

ALTER TABLE import_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'import'
    CHECK (kind IN ('import', 'convert'));

-- The incremental cursor of each HTTP source: the highest value of its cursor field that
-- a committed batch contained, sent back on the next run.
CREATE TABLE source_cursors (
    source_name   TEXT PRIMARY KEY,
    cursor_value  TEXT NOT NULL,
    run_id        TEXT REFERENCES import_runs (id),
    updated_at    TEXT NOT NULL
);
