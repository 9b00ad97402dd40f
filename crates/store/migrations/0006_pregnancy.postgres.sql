-- PostgreSQL's part of 0006: a newborn is registered before the police
-- assign a resident ID, so the column allows NULL (UNIQUE still holds for
-- the IDs present); the new code columns order by code point like the
-- others (see 0004).
ALTER TABLE person ALTER COLUMN resident_id DROP NOT NULL;
ALTER TABLE pregnancy ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE antenatal_check ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE birth ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE infant_death ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE enforcement_case ALTER COLUMN org_code TYPE TEXT COLLATE "C";
