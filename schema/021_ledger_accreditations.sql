-- 021_ledger_accreditations.sql - issue 18: a credential's status-list bit at full scale.
--
-- A credential's statusListIndex is its accreditation's place among the
-- ledger's accreditation entries of its kind (render/credential.c), and
-- the status list walks those entries with the revocations.  Without an
-- index both scan the ledger (about half a CPU-second at 1,000,000
-- entries); this partial index holds only those kinds, so a sign-off,
-- the bulk of the ledger, never touches it.  The queries name the kinds
-- (store/ledger_lookup.c) so both engines can use it.
CREATE INDEX ledger_accreditations ON ledger(kind, idx)
	WHERE kind IN ('accreditation', 'trainer_accreditation', 'revocation');
