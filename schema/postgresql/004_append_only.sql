-- 004_append_only.sql (PostgreSQL 15) - schema/004_append_only.sql: the
-- ledger, its Merkle nodes and its signed tree heads refuse every rewrite
-- by the schema itself, from any connection.
--
-- PostgreSQL has no INSERT OR REPLACE, and INSERT ... ON CONFLICT DO
-- UPDATE fires the BEFORE UPDATE triggers of 001; the BEFORE INSERT
-- triggers below refuse an insert whose key already exists with the same
-- message as SQLite's (rather than a unique violation), before anything
-- else is tried.  tree_heads gets the UPDATE, DELETE and TRUNCATE guards
-- the other two got in 001.

CREATE FUNCTION raslog_no_replace() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	taken boolean;
BEGIN
	IF TG_TABLE_NAME = 'ledger' THEN
		taken := EXISTS (SELECT 1 FROM ledger WHERE idx = NEW.idx);
	ELSIF TG_TABLE_NAME = 'merkle_nodes' THEN
		taken := EXISTS (SELECT 1 FROM merkle_nodes WHERE level = NEW.level AND idx = NEW.idx);
	ELSE
		taken := EXISTS (SELECT 1 FROM tree_heads WHERE tree_size = NEW.tree_size);
	END IF;
	IF taken THEN
		RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER ledger_no_replace BEFORE INSERT ON ledger
	FOR EACH ROW EXECUTE FUNCTION raslog_no_replace('ledger entries are append-only');

CREATE TRIGGER merkle_no_replace BEFORE INSERT ON merkle_nodes
	FOR EACH ROW EXECUTE FUNCTION raslog_no_replace('merkle nodes are append-only');

CREATE TRIGGER tree_heads_no_replace BEFORE INSERT ON tree_heads
	FOR EACH ROW EXECUTE FUNCTION raslog_no_replace('signed tree heads are append-only');
CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads
	FOR EACH ROW EXECUTE FUNCTION raslog_append_only('signed tree heads are append-only');
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads
	FOR EACH ROW EXECUTE FUNCTION raslog_append_only('signed tree heads are append-only');
CREATE TRIGGER tree_heads_no_truncate BEFORE TRUNCATE ON tree_heads
	FOR EACH STATEMENT EXECUTE FUNCTION raslog_append_only('signed tree heads are append-only');
