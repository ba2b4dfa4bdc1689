-- 010_notify_prefs.sql - who wants which email (issue 17), and the
-- progress milestones the trainee mail and the faculty digest speak of.
--
-- notify_prefs holds a row only for people who chose; without one the
-- defaults follow the roles: reminders for trainers, decisions (sign-offs,
-- rejections, modules met, eligibility) for trainees, the weekly digest
-- for faculty.
CREATE TABLE notify_prefs (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id),
	reminders  INTEGER NOT NULL CHECK (reminders IN (0, 1)),
	decisions  INTEGER NOT NULL CHECK (decisions IN (0, 1)),
	digest     INTEGER NOT NULL CHECK (digest IN (0, 1)),
	updated_at TEXT NOT NULL
) STRICT;

-- A trainee met a module, or became eligible for accreditation, through
-- the signed statement at ledger_index: recorded in the same transaction,
-- whatever the trainee's preferences, so the digest can say "newly eligible".
CREATE TABLE progress_milestones (
	id           INTEGER PRIMARY KEY,
	trainee_id   INTEGER NOT NULL REFERENCES users(id),
	kind         TEXT NOT NULL CHECK (kind IN ('module', 'eligible')),
	module       TEXT,                 -- the module's id, for kind 'module'
	ledger_index INTEGER NOT NULL,
	at           TEXT NOT NULL
) STRICT;
CREATE INDEX progress_milestones_by_kind ON progress_milestones(kind, at);
