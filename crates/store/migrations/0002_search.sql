-- Person search: the pinyin initials of each name (张晓梅 → 'zxm'), kept by
-- every write path, and indexes for the exact-match searches. Portable DDL.
--
-- name_initials is derived from the name in Rust (hearth_core::pinyin), so
-- this migration cannot fill it: rows it finds get '' and
-- hearth_store::search::backfill_initials fills them when the database is
-- opened. A later migration that changes how initials are computed only
-- needs to set name_initials = '' again.
--
-- The prefix indexes on name and name_initials differ per backend (the
-- PostgreSQL ones are built on the "C" collation so that a range of code
-- points is a range of the index whatever the database's locale): see the
-- backend parts.
ALTER TABLE person ADD COLUMN name_initials TEXT NOT NULL DEFAULT '';

CREATE INDEX person_phone ON person (phone);
CREATE INDEX household_number ON household (number);
