-- 011_programmes.sql - programmes (issue 17 item 3): a programme such as
-- "START North East" groups trainees, trainers and faculty.  Faculty see
-- and act on the trainees of their own programmes (the rule is in
-- core/domain/sessions.h, RL_FACULTY_SCOPE_SQL); once at least one
-- programme exists the rule applies, before that faculty see everyone as
-- they did before programmes existed.
--
-- Membership is kept as history: the rows whose until_at is NULL are the
-- current ones; a move closes a row and opens another, so where a trainee
-- trained, and when, stays on record.  A trainee is in one programme at a
-- time; faculty and trainers may serve several (core/domain/programmes.c).
-- A programme may override the reminder thresholds (NULL: the global ones).
CREATE TABLE programmes (
	id              INTEGER PRIMARY KEY,
	name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
	reminder_count  INTEGER CHECK (reminder_count BETWEEN 0 AND 100000),  -- remind above this many waiting
	reminder_days   INTEGER CHECK (reminder_days BETWEEN 0 AND 3650),     -- or when one waited longer
	created_at      TEXT NOT NULL,
	created_by      INTEGER REFERENCES users(id)
) STRICT;

CREATE TABLE programme_members (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users(id),
	programme_id  INTEGER NOT NULL REFERENCES programmes(id),
	from_at       TEXT NOT NULL,
	until_at      TEXT,                    -- NULL: current
	changed_by    INTEGER REFERENCES users(id)
) STRICT;
CREATE UNIQUE INDEX programme_members_current ON programme_members(user_id, programme_id) WHERE until_at IS NULL;
CREATE INDEX programme_members_by_programme ON programme_members(programme_id, user_id) WHERE until_at IS NULL;

-- The programme an invitation puts the new account in.
ALTER TABLE invitations ADD COLUMN programme_id INTEGER REFERENCES programmes(id);
