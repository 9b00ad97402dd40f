-- PostgreSQL's part of 0002: the prefix-search indexes on the "C"
-- collation. Under a linguistic collation (zh_CN.UTF-8, en_US.UTF-8…) text
-- does not order by code point, so `name >= $lo AND name < $hi` would not be
-- the set of names starting with a prefix; the search queries say
-- COLLATE "C" (Backend::text_range_collate) and these indexes match them.
-- The id after name_initials serves the backfill's keyset walk over the
-- rows still empty (`name_initials = '' AND id > $last ORDER BY id`).
CREATE INDEX person_name ON person (name COLLATE "C");
CREATE INDEX person_name_initials ON person (name_initials COLLATE "C", id);
