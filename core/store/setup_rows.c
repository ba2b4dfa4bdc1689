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
	int64_t added;

	if (!st)
		return -1;
	rl_bind_text(st, 1, code, -1);
	rl_bind_int(st, 2, version);
	rl_bind_text(st, 3, title, -1);
	rl_bind_text(st, 4, definition, (int)len);
	rl_bind_text(st, 5, loaded_at, -1);
	if (rl_db_run_changes(db, st, "loading a curriculum", &added, err) < 0)
		return -1;
	return added > 0;
}
