/*
 * setup_rows.c - the rows database set-up writes; see setup_rows.h.
 */
#include "base/prelude.h"

#include "store/setup_rows.h"

int rl_rows_setup_curriculum_insert(struct rl_db *db, const char *code, int version, const char *title,
				    const char *definition, size_t len, const char *loaded_at, struct rl_error *err)
{
	struct rl_stmt *st = rl_db_stmt(db, "INSERT INTO curricula(code, version, title, definition, loaded_at) "
					  "VALUES (?,?,?,?,?) ON CONFLICT (code, version) DO NOTHING", err);
	int added;

	if (!st)
		return -1;
	rl_bind_text(st, 1, code, -1);
	rl_bind_int(st, 2, version);
	rl_bind_text(st, 3, title, -1);
	rl_bind_text(st, 4, definition, (int)len);
	rl_bind_text(st, 5, loaded_at, -1);
	if (rl_step(st) != RL_DONE)
		return rl_db_fail(db, err, "loading a curriculum");
	added = rl_db_changes(db) > 0;
	rl_reset(st);
	return added;
}
