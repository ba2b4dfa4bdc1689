-- 005_accounts.sql - accounts people can run a programme with: active and
-- deactivated accounts, named personal access tokens with a scope and an
-- expiry, one-time invitations, and web (cookie) sessions.
-- Secrets (token, invitation code, session id) are never stored: only a
-- hash of them.  Times are RFC 3339 UTC text, which sorts as time.

ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
ALTER TABLE users ADD COLUMN deactivated_at TEXT;

ALTER TABLE tokens ADD COLUMN name TEXT;             -- what the owner called it; NULL for operator-issued tokens
ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write' CHECK (scope IN ('read', 'write'));
ALTER TABLE tokens ADD COLUMN expires_at TEXT;       -- NULL: does not expire
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;     -- kept to the minute
CREATE INDEX tokens_by_user ON tokens(user_id, id);

CREATE TABLE invitations (
	id          INTEGER PRIMARY KEY,
	code_hash   BLOB NOT NULL UNIQUE,    -- BLAKE2b-256 of the code in the link
	name        TEXT NOT NULL,
	email       TEXT NOT NULL COLLATE NOCASE,
	roles       INTEGER NOT NULL CHECK (roles BETWEEN 1 AND 15),
	site        TEXT,
	curriculum  TEXT,                    -- curriculum code for trainees
	invited_by  INTEGER REFERENCES users(id),
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	accepted_at TEXT,
	user_id     INTEGER REFERENCES users(id) -- the account the acceptance created
) STRICT;
CREATE INDEX invitations_pending ON invitations(accepted_at, id);

CREATE TABLE web_sessions (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id),
	hash         BLOB NOT NULL UNIQUE,   -- BLAKE2b-256 of the cookie's session id
	created_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,          -- idle time-out counts from here (kept to the minute)
	expires_at   TEXT NOT NULL,          -- absolute time-out
	ended_at     TEXT,                   -- signed out, signed out everywhere, or deactivated
	ip           TEXT,
	user_agent   TEXT
) STRICT;
CREATE INDEX web_sessions_by_user ON web_sessions(user_id, id);
