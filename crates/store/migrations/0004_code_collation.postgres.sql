-- Division codes are compared as byte strings: the scope filter is the
-- range `code >= prefix AND code < prefix || ':'`. Under a linguistic
-- collation (a database created with a Chinese ICU locale, say) ':' does
-- not sort after the digits and town or county scopes would see nothing, so
-- every code column uses the C collation whatever the database's default.
ALTER TABLE org_unit ALTER COLUMN code TYPE TEXT COLLATE "C";
ALTER TABLE org_unit ALTER COLUMN parent_code TYPE TEXT COLLATE "C";
ALTER TABLE household ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE person ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE couple ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE birth_registration ALTER COLUMN village_code TYPE TEXT COLLATE "C";
ALTER TABLE app_user ALTER COLUMN org_code TYPE TEXT COLLATE "C";
