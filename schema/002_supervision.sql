-- 002_supervision.sql - who a trainer may sign for, and one live trainer
-- accreditation per trainer (issue 11 items 2 and 3).

-- Faculty assign trainees to trainers.  An administrative relation kept in
-- this table, not a signed statement: it decides whom the server lets a
-- trainer sign for, alongside the trainees who named the trainer on a
-- session.  Removing an assignment deletes its row (the audit log keeps
-- who did what and when).
CREATE TABLE assignments (
	id          INTEGER PRIMARY KEY,
	trainer_id  INTEGER NOT NULL REFERENCES users(id),
	trainee_id  INTEGER NOT NULL REFERENCES users(id),
	assigned_by INTEGER NOT NULL REFERENCES users(id),
	created_at  TEXT NOT NULL,
	UNIQUE (trainer_id, trainee_id),
	CHECK (trainer_id <> trainee_id)
) STRICT;
CREATE INDEX assignments_by_trainee ON assignments(trainee_id, trainer_id);

-- The ledger index of the trainer accreditation that replaced this one.
ALTER TABLE trainer_accreditations ADD COLUMN superseded_index INTEGER;
CREATE INDEX trainer_accreditations_by_trainer_index ON trainer_accreditations(trainer_id, ledger_index);

-- Databases written before: a later accreditation of the same trainer
-- superseded every earlier one, and a revocation of any of a trainer's
-- accreditations covered every one made before it (the verifier reads old
-- ledgers the same way).
UPDATE trainer_accreditations SET superseded_index =
	(SELECT min(b.ledger_index) FROM trainer_accreditations b
	 WHERE b.trainer_id = trainer_accreditations.trainer_id AND b.ledger_index > trainer_accreditations.ledger_index)
WHERE superseded_index IS NULL;
UPDATE trainer_accreditations SET
	revoked_reason = (SELECT r.revoked_reason FROM trainer_accreditations r
		WHERE r.trainer_id = trainer_accreditations.trainer_id AND r.revoked_index > trainer_accreditations.ledger_index
		ORDER BY r.revoked_index LIMIT 1),
	revoked_index = (SELECT min(r.revoked_index) FROM trainer_accreditations r
		WHERE r.trainer_id = trainer_accreditations.trainer_id AND r.revoked_index > trainer_accreditations.ledger_index)
WHERE revoked_index IS NULL AND EXISTS (SELECT 1 FROM trainer_accreditations r
	WHERE r.trainer_id = trainer_accreditations.trainer_id AND r.revoked_index > trainer_accreditations.ledger_index);
