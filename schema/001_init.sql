-- 001_init.sql - raslog's first schema: accounts, sessions, keys, the
-- append-only ledger with its Merkle nodes and signed tree heads, trainer
-- accreditations, assessments, module completions, trainee accreditations,
-- and the per-trainee aggregates that keep progress reads cheap.
-- Every table is STRICT; times are RFC 3339 UTC text, dates YYYY-MM-DD.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE curricula (
	id         INTEGER PRIMARY KEY,
	code       TEXT NOT NULL,
	version    INTEGER NOT NULL,
	title      TEXT NOT NULL,
	definition TEXT NOT NULL,            -- the curriculum JSON as loaded
	loaded_at  TEXT NOT NULL,
	UNIQUE (code, version)
) STRICT;

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL,
	email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
	gmc           TEXT,
	roles         INTEGER NOT NULL CHECK (roles BETWEEN 1 AND 15), -- 1 trainee, 2 trainer, 4 faculty, 8 admin
	site          TEXT,
	curriculum_id INTEGER REFERENCES curricula(id),
	created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE tokens (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id),
	hash       BLOB NOT NULL UNIQUE,      -- keyed BLAKE2b-256 of the token
	created_at TEXT NOT NULL,
	revoked_at TEXT
) STRICT;

CREATE TABLE keys (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	public_key  BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
	faculty_root INTEGER NOT NULL DEFAULT 0, -- 1: registered by the operator as a trust root
	created_at  TEXT NOT NULL,
	revoked_at  TEXT,
	revoked_index INTEGER                   -- ledger index of the revocation statement
) STRICT;
CREATE INDEX keys_by_user ON keys(user_id);

CREATE TABLE sessions (
	id            INTEGER PRIMARY KEY,
	trainee_id    INTEGER NOT NULL REFERENCES users(id),
	trainer_id    INTEGER NOT NULL REFERENCES users(id),
	date          TEXT NOT NULL,
	minutes       INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
	activity      TEXT NOT NULL,
	platform      TEXT,
	site          TEXT,
	procedure     TEXT,
	steps         TEXT,                   -- JSON array of step codes, or NULL
	role          TEXT,                   -- the trainee's claimed role code
	notes         TEXT,
	status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'rejected')),
	signed_role   TEXT,                   -- the trainer's signed view
	signed_steps  TEXT,
	signed_by     INTEGER REFERENCES users(id),
	signed_at     TEXT,
	signoff_index INTEGER,                -- ledger index of the sign-off or rejection
	reject_reason TEXT,
	created_at    TEXT NOT NULL,
	CHECK (trainee_id <> trainer_id)
) STRICT;
CREATE INDEX sessions_by_trainee ON sessions(trainee_id, id);
CREATE INDEX sessions_by_trainer ON sessions(trainer_id, status, id);

CREATE TABLE ledger (
	idx        INTEGER PRIMARY KEY CHECK (idx >= 0),
	kind       TEXT NOT NULL,
	message    TEXT NOT NULL,             -- the exact signed text
	public_key BLOB NOT NULL CHECK (length(public_key) = 32),
	signature  BLOB NOT NULL CHECK (length(signature) = 64),
	signer_id  INTEGER,
	subject_id INTEGER,                   -- the trainee or trainer the statement is about
	created_at TEXT NOT NULL
) STRICT;
CREATE INDEX ledger_by_subject ON ledger(subject_id, idx);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
	BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
	BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

-- Hashes of every complete perfect subtree: level 0 = leaves.
CREATE TABLE merkle_nodes (
	level INTEGER NOT NULL,
	idx   INTEGER NOT NULL,
	hash  BLOB NOT NULL,
	PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER merkle_no_update BEFORE UPDATE ON merkle_nodes
	BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
CREATE TRIGGER merkle_no_delete BEFORE DELETE ON merkle_nodes
	BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;

CREATE TABLE tree_heads (
	tree_size INTEGER PRIMARY KEY,
	root_hash BLOB NOT NULL,
	timestamp TEXT NOT NULL,
	signature BLOB NOT NULL
) STRICT;

-- Trainer accreditations signed by faculty.
CREATE TABLE trainer_accreditations (
	id            INTEGER PRIMARY KEY,
	trainer_id    INTEGER NOT NULL REFERENCES users(id),
	public_key    BLOB NOT NULL,
	valid_from    TEXT NOT NULL,
	valid_until   TEXT NOT NULL,
	faculty_id    INTEGER NOT NULL REFERENCES users(id),
	ledger_index  INTEGER NOT NULL,
	revoked_index INTEGER,
	revoked_reason TEXT
) STRICT;
CREATE INDEX trainer_accreditations_by_trainer ON trainer_accreditations(trainer_id);

CREATE TABLE assessments (
	id           INTEGER PRIMARY KEY,
	trainee_id   INTEGER NOT NULL REFERENCES users(id),
	assessor_id  INTEGER NOT NULL REFERENCES users(id),
	session_id   INTEGER NOT NULL REFERENCES sessions(id),
	tool         TEXT NOT NULL,
	scores       TEXT NOT NULL,           -- JSON array of integers, in the tool's domain order
	total        INTEGER NOT NULL,
	ledger_index INTEGER NOT NULL,
	created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX assessments_by_trainee ON assessments(trainee_id, id);

CREATE TABLE module_completions (
	id           INTEGER PRIMARY KEY,
	trainee_id   INTEGER NOT NULL REFERENCES users(id),
	curriculum_id INTEGER NOT NULL REFERENCES curricula(id),
	module       TEXT NOT NULL,
	signer_id    INTEGER NOT NULL REFERENCES users(id),
	ledger_index INTEGER NOT NULL,
	created_at   TEXT NOT NULL,
	UNIQUE (trainee_id, curriculum_id, module)
) STRICT;

CREATE TABLE trainee_accreditations (
	id            INTEGER PRIMARY KEY,
	trainee_id    INTEGER NOT NULL REFERENCES users(id),
	curriculum_id INTEGER NOT NULL REFERENCES curricula(id),
	faculty_id    INTEGER NOT NULL REFERENCES users(id),
	ledger_index  INTEGER NOT NULL,
	accredited_at TEXT NOT NULL,
	valid_until   TEXT,
	revoked_index INTEGER,
	revoked_reason TEXT
) STRICT;
CREATE INDEX trainee_accreditations_by_trainee ON trainee_accreditations(trainee_id);

-- Per-trainee, per-requirement running totals kept in the same transaction
-- as each session and sign-off, so progress never scans sessions.
CREATE TABLE trainee_tally (
	trainee_id  INTEGER NOT NULL REFERENCES users(id),
	requirement TEXT NOT NULL,            -- "module_id/requirement_id"
	signed      INTEGER NOT NULL DEFAULT 0,
	pending     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (trainee_id, requirement)
) STRICT, WITHOUT ROWID;

-- The accreditation list's row per trainee, recomputed from the tally on change.
CREATE TABLE trainee_status (
	trainee_id    INTEGER PRIMARY KEY REFERENCES users(id),
	status        TEXT NOT NULL,          -- in_training, eligible, accredited, lapsed
	modules_met   INTEGER NOT NULL,
	modules_total INTEGER NOT NULL,
	summary       TEXT NOT NULL,          -- JSON array of {module, title, status, met_requirements, total_requirements}
	accredited_until TEXT,                -- when status is accredited: lapsed after this date
	updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX trainee_status_by_status ON trainee_status(status, trainee_id);
