-- 012_oidc.sql - OpenID Connect single sign-on (authorization code flow
-- with PKCE).  One row per sign-in started in a browser.  Nothing secret is
-- stored: the state is kept as its BLAKE2b-256 hash, and the nonce and
-- PKCE verifier are derived from the state and a secret held only in the
-- browser's pre-session cookie (whose hash is browser_hash), so a flow can
-- be finished only by the browser that started it.  A flow lives minutes
-- (expires_at) and is spent once (used_at), whatever its outcome.

CREATE TABLE oidc_flows (
	id           INTEGER PRIMARY KEY,
	state_hash   BLOB NOT NULL UNIQUE,     -- BLAKE2b-256 of the state sent to the provider
	browser_hash BLOB NOT NULL,            -- BLAKE2b-256 of the browser's pre-session cookie
	ip           TEXT,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	used_at      TEXT,                     -- the callback that spent it
	outcome      TEXT,                     -- "ok" or the refusal's type
	user_id      INTEGER REFERENCES users(id)
) STRICT;
CREATE INDEX oidc_flows_by_expiry ON oidc_flows(expires_at);
CREATE INDEX oidc_flows_by_ip ON oidc_flows(ip, expires_at);   -- the per-address cap on unfinished flows
