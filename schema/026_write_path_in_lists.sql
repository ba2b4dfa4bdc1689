-- 026_write_path_in_lists.sql - issue 18: no IN list evaluated in a write's
-- hot path.  SQLite evaluates an IN list of more than two constants by
-- building an ephemeral b-tree of them (025 says so for sessions.status);
-- two more were in every sign-off's transaction:
--   * the partial index ledger_accreditations (021) tests its WHERE on every
--     ledger append: rebuilt with the same rows, its condition spelled as
--     equalities joined by OR (store/ledger_lookup.c's two reads spell it the
--     same way, so the index still serves them);
--   * outbox.state's CHECK (003), on every mail queued: spelled the same
--     way, by editing the stored CREATE TABLE text as 006 and 025 do (every
--     stored row stays valid).
-- tests/unit/test_signoff_pages.c checks that no insert into a table a
-- write request fills opens an ephemeral b-tree.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
	SET sql = replace(sql, 'CHECK (state IN (''queued'', ''sending'', ''sent'', ''failed''))',
			       'CHECK (state = ''queued'' OR state = ''sending'' OR state = ''sent'' OR state = ''failed'')')
	WHERE type = 'table' AND name = 'outbox';
PRAGMA writable_schema = RESET;

DROP INDEX ledger_accreditations;
CREATE INDEX ledger_accreditations ON ledger(kind, idx)
	WHERE kind = 'accreditation' OR kind = 'trainer_accreditation' OR kind = 'revocation';
