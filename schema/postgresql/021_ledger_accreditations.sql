-- 021_ledger_accreditations.sql - issue 18: a credential's status-list bit at full
-- scale (see schema/021_ledger_accreditations.sql).
CREATE INDEX ledger_accreditations ON ledger(kind, idx)
	WHERE kind IN ('accreditation', 'trainer_accreditation', 'revocation');
