-- 004_append_only.sql - the ledger, its Merkle nodes and its signed tree
-- heads refuse every rewrite by the schema itself, from any connection.
--
-- 001's BEFORE UPDATE / BEFORE DELETE triggers do not see INSERT OR
-- REPLACE (or REPLACE): the REPLACE conflict resolution deletes the old
-- row without firing delete triggers unless the connection has set
-- PRAGMA recursive_triggers, which an operator's sqlite3 shell has not.
-- A BEFORE INSERT trigger runs before any conflict resolution, so it
-- refuses an insert whose key (each table's only unique key, its primary
-- key) already exists, whatever the OR clause or upsert says.  A new
-- UNIQUE constraint on one of these tables needs its own clause here.
-- The triggers are the tables' guard against accidents and casual edits;
-- someone who drops them is caught at start-up instead (raslogd serve
-- recomputes every leaf and the root against the signed head).

CREATE TRIGGER ledger_no_replace BEFORE INSERT ON ledger
	WHEN EXISTS (SELECT 1 FROM ledger WHERE idx = NEW.idx)
	BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

CREATE TRIGGER merkle_no_replace BEFORE INSERT ON merkle_nodes
	WHEN EXISTS (SELECT 1 FROM merkle_nodes WHERE level = NEW.level AND idx = NEW.idx)
	BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;

CREATE TRIGGER tree_heads_no_replace BEFORE INSERT ON tree_heads
	WHEN EXISTS (SELECT 1 FROM tree_heads WHERE tree_size = NEW.tree_size)
	BEGIN SELECT RAISE(ABORT, 'signed tree heads are append-only'); END;
CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads
	BEGIN SELECT RAISE(ABORT, 'signed tree heads are append-only'); END;
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads
	BEGIN SELECT RAISE(ABORT, 'signed tree heads are append-only'); END;
