-- PostgreSQL's part of 0008: the code columns order by code point (see 0004).
ALTER TABLE zone ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE follow_up_assignment ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE contraceptive_procedure ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE visit ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE visit_need ALTER COLUMN village_code TYPE TEXT COLLATE "C";
