-- 007_passkeys.sql - WebAuthn passkeys: each person's user handle (the
-- opaque id authenticators keep with a discoverable credential), their
-- registered credentials (public keys only; the private key never leaves
-- the authenticator), and the single-use ceremony challenges, stored
-- hashed with a short expiry.  Times are RFC 3339 UTC text.

CREATE TABLE webauthn_users (
	user_id INTEGER PRIMARY KEY REFERENCES users(id),
	handle  BLOB NOT NULL UNIQUE             -- 32 random bytes; says nothing about the person
) STRICT;

CREATE TABLE passkeys (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users(id),
	credential_id BLOB NOT NULL UNIQUE,      -- as the authenticator chose it
	cose_alg      INTEGER NOT NULL CHECK (cose_alg IN (-7, -8)), -- ES256 or EdDSA
	public_key    BLOB NOT NULL,             -- ES256: x || y (64 bytes); EdDSA: 32 bytes
	sign_count    INTEGER NOT NULL DEFAULT 0,
	name          TEXT NOT NULL,
	fmt           TEXT NOT NULL,             -- attestation format at registration: none or packed
	aaguid        BLOB,
	created_at    TEXT NOT NULL,
	last_used_at  TEXT,
	disabled_at   TEXT                       -- the account was deactivated; never signs in again
) STRICT;
CREATE INDEX passkeys_by_user ON passkeys(user_id, id);

CREATE TABLE webauthn_challenges (
	id         INTEGER PRIMARY KEY,
	hash       BLOB NOT NULL UNIQUE,         -- BLAKE2b-256 of the 32 challenge bytes
	purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
	user_id    INTEGER REFERENCES users(id), -- who registers; NULL for sign-in
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at    TEXT
) STRICT;
