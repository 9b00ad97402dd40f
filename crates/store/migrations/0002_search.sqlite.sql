-- SQLite's part of 0002: the prefix-search indexes. SQLite compares text
-- with BINARY, i.e. by code point, so `name >= $lo AND name < $hi` is an
-- index range. (Its LIKE is case-insensitive and does not use them.) The
-- id after name_initials serves the backfill's keyset walk over the rows
-- still empty (`name_initials = '' AND id > $last ORDER BY id`).
CREATE INDEX person_name ON person (name);
CREATE INDEX person_name_initials ON person (name_initials, id);
