-- 027_merkle_append_order.sql - issue 18: the Merkle nodes keyed in the
-- order the tree creates them, so a ledger append writes one tail page.
--
-- 001 keyed merkle_nodes by (level, idx): the newest node of each level
-- sat on its own b-tree leaf, and an append rewrote the tail leaf of every
-- level it touched (11-15 WAL frames a commit at the bench's scale).  The
-- node (level k, index i) of the append-only tree now has the key
--   pos = 2*m - popcount(m) + 2^(k+1) - 2,   m = i * 2^k
-- its zero-based place in post-order (the nodes of the forest of the first
-- m leaves, then the subtree's own 2^(k+1)-1 nodes): every node an append
-- creates gets the next positions, in the rowid table's append path.
-- store/ledger_rows.c computes pos (rl_rows_merkle_pos) and reads by it
-- alone; level and idx stay as columns saying what each row is, for people
-- reading the database.  The append-only triggers are 001's and 004's,
-- the insert guard keyed by pos.  The copy below computes popcount by
-- bit-slicing (m < 2^62; the byte sums fit, so the last step is mod 255).
CREATE TABLE merkle_nodes_027 (
	pos   INTEGER PRIMARY KEY,
	level INTEGER NOT NULL,
	idx   INTEGER NOT NULL,
	hash  BLOB NOT NULL
) STRICT;
INSERT INTO merkle_nodes_027(pos, level, idx, hash)
	SELECT 2 * m - ((x2 + (x2 >> 4)) & 1085102592571150095) % 255 + (2 << level) - 2, level, idx, hash
	FROM (SELECT m, level, idx, hash, (x1 & 3689348814741910323) + ((x1 >> 2) & 3689348814741910323) AS x2
	      FROM (SELECT m, level, idx, hash, m - ((m >> 1) & 6148914691236517205) AS x1
		    FROM (SELECT idx << level AS m, level, idx, hash FROM merkle_nodes)))
	ORDER BY 1;
DROP TABLE merkle_nodes;
ALTER TABLE merkle_nodes_027 RENAME TO merkle_nodes;

CREATE TRIGGER merkle_no_update BEFORE UPDATE ON merkle_nodes
	BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
CREATE TRIGGER merkle_no_delete BEFORE DELETE ON merkle_nodes
	BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
CREATE TRIGGER merkle_no_replace BEFORE INSERT ON merkle_nodes
	WHEN EXISTS (SELECT 1 FROM merkle_nodes WHERE pos = NEW.pos)
	BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
