-- 026_write_path_in_lists.sql (PostgreSQL 15) - schema/026_write_path_in_lists.sql:
-- the partial index ledger_accreditations and outbox.state's CHECK with
-- their lists spelled as equalities joined by OR (SQLite's reason; here the
-- same index and constraint in the same spelling, which
-- tests/tools/schema-equivalence.sh compares).
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
	CHECK (state = 'queued' OR state = 'sending' OR state = 'sent' OR state = 'failed');

DROP INDEX ledger_accreditations;
CREATE INDEX ledger_accreditations ON ledger(kind, idx)
	WHERE kind = 'accreditation' OR kind = 'trainer_accreditation' OR kind = 'revocation';
