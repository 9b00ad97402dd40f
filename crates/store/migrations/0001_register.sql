-- The register: org units, households, persons, couples, birth
-- registrations, users and the audit trail. Portable DDL: runs unchanged on
-- SQLite and PostgreSQL (and stays within what Citus and YugabyteDB accept).
-- Booleans are 0/1 BIGINTs; dates are 'YYYY-MM-DD' text (Asia/Shanghai);
-- instants are RFC 3339 UTC text; ids are UUIDv7 text.

CREATE TABLE org_unit (
    code        TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES org_unit (code),
    level       TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    change_seq  BIGINT NOT NULL
);
CREATE INDEX org_unit_parent ON org_unit (parent_code);

CREATE TABLE household (
    id                   TEXT PRIMARY KEY,
    village_code         TEXT NOT NULL REFERENCES org_unit (code),
    number               TEXT NOT NULL,
    address              TEXT NOT NULL DEFAULT '',
    head_person_id       TEXT,
    family_planning      BIGINT NOT NULL DEFAULT 0,
    poor_family_planning BIGINT NOT NULL DEFAULT 0,
    only_child           BIGINT NOT NULL DEFAULT 0,
    two_daughters        BIGINT NOT NULL DEFAULT 0,
    girl_family          BIGINT NOT NULL DEFAULT 0,
    version              BIGINT NOT NULL DEFAULT 1,
    change_seq           BIGINT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (village_code, number)
);
CREATE INDEX household_change ON household (change_seq);

CREATE TABLE person (
    id             TEXT PRIMARY KEY,
    resident_id    TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    sex            BIGINT NOT NULL,
    birth_date     TEXT NOT NULL,
    phone          TEXT,
    marital_status TEXT,
    household_id   TEXT REFERENCES household (id),
    relation       TEXT,
    village_code   TEXT NOT NULL REFERENCES org_unit (code),
    version        BIGINT NOT NULL DEFAULT 1,
    change_seq     BIGINT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX person_village ON person (village_code, sex, birth_date);
CREATE INDEX person_household ON person (household_id);
CREATE INDEX person_change ON person (change_seq);

CREATE TABLE couple (
    id            TEXT PRIMARY KEY,
    wife_id       TEXT NOT NULL REFERENCES person (id),
    husband_id    TEXT NOT NULL REFERENCES person (id),
    marriage_date TEXT,
    village_code  TEXT NOT NULL REFERENCES org_unit (code),
    version       BIGINT NOT NULL DEFAULT 1,
    change_seq    BIGINT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (wife_id, husband_id)
);
CREATE INDEX couple_village ON couple (village_code);
CREATE INDEX couple_husband ON couple (husband_id);

CREATE TABLE birth_registration (
    id               TEXT PRIMARY KEY,
    couple_id        TEXT NOT NULL REFERENCES couple (id),
    village_code     TEXT NOT NULL REFERENCES org_unit (code),
    child_order      BIGINT NOT NULL,
    number           TEXT NOT NULL UNIQUE,
    issued_on        TEXT NOT NULL,
    status           TEXT NOT NULL,
    status_reason    TEXT,
    review_due       TEXT NOT NULL,
    last_reviewed_on TEXT,
    version          BIGINT NOT NULL DEFAULT 1,
    change_seq       BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX birth_registration_village ON birth_registration (village_code, status);
CREATE INDEX birth_registration_couple ON birth_registration (couple_id);

CREATE TABLE app_user (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    org_code      TEXT NOT NULL REFERENCES org_unit (code),
    disabled      BIGINT NOT NULL DEFAULT 0,
    named_access  BIGINT NOT NULL DEFAULT 0,
    version       BIGINT NOT NULL DEFAULT 1,
    change_seq    BIGINT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Append-only: the application inserts and reads; a trigger per backend
-- refuses UPDATE and DELETE.
CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    user_id   TEXT,
    username  TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    origin    TEXT NOT NULL,
    detail    TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
