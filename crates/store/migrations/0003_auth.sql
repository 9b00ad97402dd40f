-- Sign-in: browser sessions, API tokens and the failed-attempt throttle.
-- Portable DDL, like 0001: BIGINT 0/1 booleans, text ids, RFC 3339 UTC
-- instants ('YYYY-MM-DDTHH:MM:SSZ', so text order is time order).
--
-- Session and token secrets are stored only as SHA-256 hashes: a row's id is
-- the lower-case hex SHA-256 of the secret the client holds, so a copy of
-- the database cannot be used to act as anyone.

-- When the password was last changed (by its owner or an administrator);
-- NULL until the first change.
ALTER TABLE app_user ADD COLUMN password_changed_at TEXT;

-- A signed-in browser. expires_at is the absolute end; the idle limit is
-- counted from last_seen_at, which is touched at most once a minute.
CREATE TABLE session (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES app_user (id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    origin       TEXT NOT NULL,
    revoked      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX session_user_id ON session (user_id);
CREATE INDEX session_expires_at ON session (expires_at);

-- A bearer token for the JSON API.
CREATE TABLE api_token (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES app_user (id),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    origin     TEXT NOT NULL,
    revoked    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_token_user_id ON api_token (user_id);
CREATE INDEX api_token_expires_at ON api_token (expires_at);

-- Failed sign-in attempts per key ('user:NAME' as typed, 'addr:ORIGIN'):
-- the count since first_at, and the lock once the count reaches the limit.
CREATE TABLE sign_in_failure (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    first_at     TEXT NOT NULL,
    locked_until TEXT
);
CREATE INDEX sign_in_failure_first ON sign_in_failure (first_at);
