-- 027_merkle_append_order.sql (PostgreSQL 15) - schema/027_merkle_append_order.sql:
-- merkle_nodes keyed by pos, the node's place in the order the tree
-- creates them (post-order), so an append adds to the primary key's
-- rightmost leaf instead of one leaf per level; level and idx stay as
-- columns.  The same copy (popcount by bit-slicing), the same 001 and 004
-- guards, the insert guard keyed by pos.
CREATE TABLE merkle_nodes_027 (
	pos   bigint PRIMARY KEY,
	level bigint NOT NULL,
	idx   bigint NOT NULL,
	hash  bytea NOT NULL
);
INSERT INTO merkle_nodes_027(pos, level, idx, hash)
	SELECT 2 * m - ((x2 + (x2 >> 4)) & 1085102592571150095) % 255 + (2::bigint << level::int) - 2, level, idx, hash
	FROM (SELECT m, level, idx, hash, (x1 & 3689348814741910323) + ((x1 >> 2) & 3689348814741910323) AS x2
	      FROM (SELECT m, level, idx, hash, m - ((m >> 1) & 6148914691236517205) AS x1
		    FROM (SELECT idx << level::int AS m, level, idx, hash FROM merkle_nodes) a) b) c
	ORDER BY 1;
DROP TABLE merkle_nodes;
ALTER TABLE merkle_nodes_027 RENAME TO merkle_nodes;
ALTER TABLE merkle_nodes RENAME CONSTRAINT merkle_nodes_027_pkey TO merkle_nodes_pkey;

CREATE OR REPLACE FUNCTION raslog_no_replace() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	taken boolean;
BEGIN
	IF TG_TABLE_NAME = 'ledger' THEN
		taken := EXISTS (SELECT 1 FROM ledger WHERE idx = NEW.idx);
	ELSIF TG_TABLE_NAME = 'merkle_nodes' THEN
		taken := EXISTS (SELECT 1 FROM merkle_nodes WHERE pos = NEW.pos);
	ELSE
		taken := EXISTS (SELECT 1 FROM tree_heads WHERE tree_size = NEW.tree_size);
	END IF;
	IF taken THEN
		RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER merkle_no_update BEFORE UPDATE ON merkle_nodes
	FOR EACH ROW EXECUTE FUNCTION raslog_append_only('merkle nodes are append-only');
CREATE TRIGGER merkle_no_delete BEFORE DELETE ON merkle_nodes
	FOR EACH ROW EXECUTE FUNCTION raslog_append_only('merkle nodes are append-only');
CREATE TRIGGER merkle_no_truncate BEFORE TRUNCATE ON merkle_nodes
	FOR EACH STATEMENT EXECUTE FUNCTION raslog_append_only('merkle nodes are append-only');
CREATE TRIGGER merkle_no_replace BEFORE INSERT ON merkle_nodes
	FOR EACH ROW EXECUTE FUNCTION raslog_no_replace('merkle nodes are append-only');
