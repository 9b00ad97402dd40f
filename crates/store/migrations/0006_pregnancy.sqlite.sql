-- SQLite's part of 0006: a newborn is registered before the police assign a
-- resident ID, so person.resident_id must allow NULL. SQLite cannot drop a
-- NOT NULL constraint, so the table is rebuilt (the documented twelve-step
-- procedure; the migration runs with foreign keys off and checks them before
-- it commits). Columns keep their order, so the copy is a plain SELECT *.
CREATE TABLE person_new (
    id             TEXT PRIMARY KEY,
    resident_id    TEXT UNIQUE,
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
    updated_at     TEXT NOT NULL,
    name_initials  TEXT NOT NULL DEFAULT ''
);
INSERT INTO person_new SELECT * FROM person;
DROP TABLE person;
ALTER TABLE person_new RENAME TO person;
CREATE INDEX person_village ON person (village_code, sex, birth_date);
CREATE INDEX person_household ON person (household_id);
CREATE INDEX person_change ON person (change_seq);
CREATE INDEX person_phone ON person (phone);
CREATE INDEX person_name ON person (name);
CREATE INDEX person_name_initials ON person (name_initials, id);
