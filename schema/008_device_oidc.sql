-- 008_device_oidc.sql - sign-in without pasting a token: OAuth 2.0 device
-- authorization grants (RFC 8628) for `raslog login`.
-- Neither code is stored, only its BLAKE2b-256 hash: the device code is a
-- 256-bit secret, the user code 8 letters a person types.  A grant lives
-- minutes (expires_at), is polled no faster than interval seconds, and
-- issues at most one token (status 'issued').

CREATE TABLE device_grants (
	id             INTEGER PRIMARY KEY,
	device_hash    BLOB NOT NULL UNIQUE,     -- BLAKE2b-256 of the device code the client polls with
	user_code_hash BLOB NOT NULL UNIQUE,     -- BLAKE2b-256 of the user code (8 letters, no dash)
	client_id      TEXT NOT NULL,
	ip             TEXT,                     -- who asked for it, for the per-address cap
	created_at     TEXT NOT NULL,
	expires_at     TEXT NOT NULL,
	interval       INTEGER NOT NULL CHECK (interval BETWEEN 1 AND 300),
	last_poll_at   TEXT,                     -- the last token request, for slow_down
	status         TEXT NOT NULL DEFAULT 'pending'
	               CHECK (status IN ('pending', 'approved', 'denied', 'issued')),
	user_id        INTEGER REFERENCES users(id), -- who approved or denied it
	decided_at     TEXT,
	token_id       INTEGER REFERENCES tokens(id) -- the token issued to the client
) STRICT;
CREATE INDEX device_grants_by_ip ON device_grants(ip, expires_at);
CREATE INDEX device_grants_by_expiry ON device_grants(expires_at);
