-- Pregnancy to outcome (孕情), births and infant deaths with two-person
-- verification, amendments of verified births, the enforcement case register
-- (两非) and the settings table that holds the reporting-incentive amounts.
-- Portable DDL; the person rebuild (a newborn has no resident ID yet) and
-- the "C" collation of the code columns are in the backend parts.

-- Settings an administrator changes without a release (amounts, rules).
CREATE TABLE setting (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    version    BIGINT NOT NULL DEFAULT 1,
    change_seq BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE pregnancy (
    id                 TEXT PRIMARY KEY,
    woman_id           TEXT NOT NULL REFERENCES person (id),
    village_code       TEXT NOT NULL REFERENCES org_unit (code),
    lmp                TEXT NOT NULL,
    reported_on        TEXT NOT NULL,
    source             TEXT NOT NULL,
    edd                TEXT NOT NULL,
    -- 1 when reported no more than 91 days after the LMP.
    timely             BIGINT NOT NULL,
    registration_id    TEXT REFERENCES birth_registration (id),
    reported_by        TEXT,
    reported_by_name   TEXT NOT NULL,
    -- NULL while open; then live_birth, stillbirth, miscarriage,
    -- induced_termination, moved_out or lost.
    outcome            TEXT,
    outcome_on         TEXT,
    termination_record TEXT,
    termination_reason TEXT,
    outcome_note       TEXT,
    version            BIGINT NOT NULL DEFAULT 1,
    change_seq         BIGINT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
-- At most one open pregnancy per woman, whatever races the application.
CREATE UNIQUE INDEX pregnancy_open ON pregnancy (woman_id) WHERE outcome IS NULL;
CREATE INDEX pregnancy_woman ON pregnancy (woman_id, lmp);
CREATE INDEX pregnancy_village_reported ON pregnancy (village_code, reported_on);
CREATE INDEX pregnancy_village_open ON pregnancy (village_code, lmp) WHERE outcome IS NULL;
CREATE INDEX pregnancy_registration ON pregnancy (registration_id);
CREATE INDEX pregnancy_change ON pregnancy (change_seq);

CREATE TABLE antenatal_check (
    id           TEXT PRIMARY KEY,
    pregnancy_id TEXT NOT NULL REFERENCES pregnancy (id),
    village_code TEXT NOT NULL REFERENCES org_unit (code),
    checked_on   TEXT NOT NULL,
    gest_week    BIGINT NOT NULL,
    place        TEXT NOT NULL,
    note         TEXT,
    version      BIGINT NOT NULL DEFAULT 1,
    change_seq   BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX antenatal_check_pregnancy ON antenatal_check (pregnancy_id, checked_on);
CREATE INDEX antenatal_check_change ON antenatal_check (change_seq);

-- One row per child born alive (twins: two rows, one pregnancy).
CREATE TABLE birth (
    id                    TEXT PRIMARY KEY,
    pregnancy_id          TEXT NOT NULL REFERENCES pregnancy (id),
    mother_id             TEXT NOT NULL REFERENCES person (id),
    child_id              TEXT NOT NULL REFERENCES person (id),
    village_code          TEXT NOT NULL REFERENCES org_unit (code),
    child_name            TEXT,
    sex                   BIGINT NOT NULL,
    born_on               TEXT NOT NULL,
    born_time             TEXT,
    weight_g              BIGINT,
    place                 TEXT NOT NULL,
    birth_order           BIGINT NOT NULL,
    certificate_no        TEXT,
    registration_id       TEXT REFERENCES birth_registration (id),
    reported_by           TEXT,
    reported_by_name      TEXT NOT NULL,
    village_verified_by   TEXT,
    village_verifier_name TEXT,
    village_verified_on   TEXT,
    village_checks        TEXT,
    town_verified_by      TEXT,
    town_verifier_name    TEXT,
    town_verified_on      TEXT,
    town_checks           TEXT,
    -- 1 once both the village and the town verification are recorded.
    verified              BIGINT NOT NULL DEFAULT 0,
    version               BIGINT NOT NULL DEFAULT 1,
    change_seq            BIGINT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX birth_village_born ON birth (village_code, born_on);
CREATE INDEX birth_pregnancy ON birth (pregnancy_id);
CREATE INDEX birth_mother ON birth (mother_id);
CREATE UNIQUE INDEX birth_child ON birth (child_id);
CREATE UNIQUE INDEX birth_certificate ON birth (certificate_no);
CREATE INDEX birth_change ON birth (change_seq);

-- A verified birth's sex or date is never edited in place: each correction
-- is a row here (append-only by convention) and the birth row follows it.
CREATE TABLE birth_amendment (
    id         TEXT PRIMARY KEY,
    birth_id   TEXT NOT NULL REFERENCES birth (id),
    field      TEXT NOT NULL,
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    by_user    TEXT,
    by_name    TEXT NOT NULL,
    at         TEXT NOT NULL,
    change_seq BIGINT NOT NULL
);
CREATE INDEX birth_amendment_birth ON birth_amendment (birth_id, at);

CREATE TABLE infant_death (
    id                    TEXT PRIMARY KEY,
    child_id              TEXT NOT NULL REFERENCES person (id),
    birth_id              TEXT REFERENCES birth (id),
    village_code          TEXT NOT NULL REFERENCES org_unit (code),
    died_on               TEXT NOT NULL,
    age_days              BIGINT NOT NULL,
    cause                 TEXT NOT NULL,
    note                  TEXT,
    reported_by           TEXT,
    reported_by_name      TEXT NOT NULL,
    village_verified_by   TEXT,
    village_verifier_name TEXT,
    village_verified_on   TEXT,
    village_checks        TEXT,
    town_verified_by      TEXT,
    town_verifier_name    TEXT,
    town_verified_on      TEXT,
    town_checks           TEXT,
    verified              BIGINT NOT NULL DEFAULT 0,
    version               BIGINT NOT NULL DEFAULT 1,
    change_seq            BIGINT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE UNIQUE INDEX infant_death_child ON infant_death (child_id);
CREATE INDEX infant_death_village ON infant_death (village_code, died_on);
CREATE INDEX infant_death_change ON infant_death (change_seq);

-- 两非 cases: illegal fetal sex identification, sex-selective termination.
-- Readable only with the enforcement grant; every view is audited.
CREATE TABLE enforcement_case (
    id           TEXT PRIMARY KEY,
    org_code     TEXT NOT NULL REFERENCES org_unit (code),
    kind         TEXT NOT NULL,
    occurred_on  TEXT NOT NULL,
    place        TEXT NOT NULL,
    description  TEXT NOT NULL,
    penalty      TEXT,
    fine_yuan    BIGINT,
    status       TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    change_seq   BIGINT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX enforcement_case_org ON enforcement_case (org_code, occurred_on);

CREATE TABLE enforcement_item (
    id      TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES enforcement_case (id),
    kind    TEXT NOT NULL,
    count   BIGINT NOT NULL
);
CREATE INDEX enforcement_item_case ON enforcement_item (case_id);

-- Users granted the enforcement register (administrators always are).
CREATE TABLE enforcement_grant (
    user_id    TEXT PRIMARY KEY REFERENCES app_user (id),
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL
);
