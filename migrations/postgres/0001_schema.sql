-- leadsync schema for PostgreSQL. Mirrors migrations/sqlite with native types.

CREATE TABLE import_runs (
    id            UUID PRIMARY KEY,
    job_name      TEXT NOT NULL,
    config_hash   TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    status        TEXT NOT NULL
                  CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'reverted')),
    counts        JSONB NOT NULL DEFAULT '{}'
);

CREATE TABLE organizations (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> ''),
    name_key      TEXT NOT NULL,
    domain        TEXT,
    website       TEXT,
    address       TEXT,
    created_by_run UUID REFERENCES import_runs (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX organizations_domain ON organizations (domain);
CREATE INDEX organizations_name_key ON organizations (name_key);

CREATE TABLE persons (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> ''),
    name_key      TEXT NOT NULL,
    organization_id UUID REFERENCES organizations (id),
    created_by_run UUID REFERENCES import_runs (id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX persons_org_name ON persons (organization_id, name_key);

CREATE TABLE person_emails (
    person_id     UUID NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    label         TEXT NOT NULL CHECK (label IN ('work', 'home', 'mobile', 'other')),
    is_primary    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (person_id, email)
);
-- A normalized email identifies one person.
CREATE UNIQUE INDEX person_emails_email ON person_emails (email);
-- One primary email per person.
CREATE UNIQUE INDEX person_emails_one_primary ON person_emails (person_id) WHERE is_primary;

CREATE TABLE person_phones (
    person_id     UUID NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    phone         TEXT NOT NULL,
    label         TEXT NOT NULL CHECK (label IN ('work', 'home', 'mobile', 'other')),
    is_primary    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (person_id, phone)
);
-- Phones are shared (a switchboard), so they are indexed, not unique.
CREATE INDEX person_phones_phone ON person_phones (phone);
-- One primary phone per person.
CREATE UNIQUE INDEX person_phones_one_primary ON person_phones (person_id) WHERE is_primary;

CREATE TABLE leads (
    id            UUID PRIMARY KEY,
    title         TEXT NOT NULL CHECK (title <> ''),
    person_id     UUID REFERENCES persons (id),
    organization_id UUID REFERENCES organizations (id),
    value         DOUBLE PRECISION,
    currency      TEXT,
    expected_close_date DATE,
    labels        JSONB NOT NULL DEFAULT '[]',
    owner         TEXT,
    origin        TEXT NOT NULL DEFAULT 'import',
    origin_id     UUID REFERENCES import_runs (id),
    source_name   TEXT,
    source_key    TEXT,
    fingerprint   TEXT,
    custom_fields JSONB NOT NULL DEFAULT '{}',
    archived_at   TIMESTAMPTZ,
    archive_reason TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (person_id IS NOT NULL OR organization_id IS NOT NULL),
    CHECK ((value IS NULL) = (currency IS NULL)),
    CHECK (archive_reason IS NULL OR archived_at IS NOT NULL),
    UNIQUE (source_name, source_key)
);
CREATE INDEX leads_person ON leads (person_id);
CREATE INDEX leads_organization ON leads (organization_id);

CREATE TABLE pipelines (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    is_default    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX pipelines_one_default ON pipelines (is_default) WHERE is_default;

CREATE TABLE stages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pipeline_id   BIGINT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    probability   INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    UNIQUE (pipeline_id, position),
    UNIQUE (pipeline_id, name),
    UNIQUE (id, pipeline_id)
);

CREATE TABLE deals (
    id            UUID PRIMARY KEY,
    title         TEXT NOT NULL CHECK (title <> ''),
    person_id     UUID REFERENCES persons (id),
    organization_id UUID REFERENCES organizations (id),
    pipeline_id   BIGINT NOT NULL REFERENCES pipelines (id),
    stage_id      BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    lost_reason   TEXT,
    won_at        TIMESTAMPTZ,
    lost_at       TIMESTAMPTZ,
    value         DOUBLE PRECISION,
    currency      TEXT,
    probability   INTEGER CHECK (probability BETWEEN 0 AND 100),
    expected_close_date DATE,
    labels        JSONB NOT NULL DEFAULT '[]',
    owner         TEXT,
    custom_fields JSONB NOT NULL DEFAULT '{}',
    origin_lead_id UUID,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (person_id IS NOT NULL OR organization_id IS NOT NULL),
    CHECK ((value IS NULL) = (currency IS NULL)),
    CHECK (lost_reason IS NULL OR status = 'lost'),
    CHECK (won_at IS NULL OR status = 'won'),
    CHECK (lost_at IS NULL OR status = 'lost'),
    -- The stage belongs to the deal's pipeline.
    FOREIGN KEY (stage_id, pipeline_id) REFERENCES stages (id, pipeline_id)
);

CREATE TABLE deal_changes (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deal_id       UUID NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    field         TEXT NOT NULL,
    old_value     TEXT,
    new_value     TEXT,
    changed_at    TIMESTAMPTZ NOT NULL,
    changed_by    TEXT NOT NULL
);
CREATE INDEX deal_changes_deal ON deal_changes (deal_id);

CREATE TABLE deal_participants (
    deal_id       UUID NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    person_id     UUID NOT NULL REFERENCES persons (id),
    PRIMARY KEY (deal_id, person_id)
);

CREATE TABLE deal_products (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deal_id       UUID NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    quantity      DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
    unit_price    DOUBLE PRECISION NOT NULL,
    discount      DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (discount BETWEEN 0 AND 100)
);

-- A converted lead leaves the inbox; this keeps lead id -> deal id and the source record,
-- so re-importing that record does not bring the lead back.
CREATE TABLE conversions (
    lead_id       UUID PRIMARY KEY,
    deal_id       UUID NOT NULL UNIQUE REFERENCES deals (id),
    source_name   TEXT,
    source_key    TEXT,
    converted_at  TIMESTAMPTZ NOT NULL,
    converted_by  TEXT NOT NULL,
    UNIQUE (source_name, source_key)
);
