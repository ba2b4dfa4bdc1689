/*
 * setup.c - database initialisation; see setup.h.
 */
#include "base/prelude.h"

#include "app/setup.h"


#include "base/embedded.h"
#include "base/util.h"
#include "ledger/ledger.h"
#include "domain/curriculum.h"
#include "domain/logbook.h"
#include "domain/progress.h"
#include "domain/users.h"
#include "render/credential.h"

int rl_setup_database(const char *path, struct rl_error *err)
{
	struct rl_db *db;
	int rc = -1;

	if (rl_db_open(path, RL_DB_CREATE, &db, err) < 0)
		return -1;
	/* Files an older raslogd made world-readable become private. */
	if (rl_db_secure_files(path, err) < 0)
		goto out;
	if (rl_db_begin(db, err) < 0)
		goto out;
	if (rl_users_init_keys(db, err) < 0 || rl_ledger_init(db, err) < 0 || rl_credential_init(db, err) < 0 ||
	    rl_setup_curricula(db, err) < 0) {
		rl_db_rollback(db);
		goto out;
	}
	if (rl_db_commit(db, err) < 0)
		goto out;
	rl_ledger_after_commit(db);
	rc = 0;
out:
	rl_db_close(db);
	return rc;
}

int rl_setup_curricula(struct rl_db *db, struct rl_error *err)
{
	const struct rl_tools *tools = rl_tools_default(err);
	int added = 0;

	if (!tools)
		return -1;
	for (const struct rl_embedded *e = rl_embedded_files; e->path; e++) {
		struct rl_curriculum *c = NULL;
		struct rl_stmt *st;
		char now[21];

		if (strncmp(e->path, "schema/curricula/", 17) != 0)
			continue;
		if (rl_curriculum_parse(e->data, e->len, tools, &c, err) < 0)
			return -1; /* err names the curriculum's path and fault */
		st = rl_db_stmt(db, "INSERT INTO curricula(code, version, title, definition, loaded_at) "
				    "VALUES (?,?,?,?,?) ON CONFLICT (code, version) DO NOTHING", err);
		if (!st) {
			rl_curriculum_free(c);
			return -1;
		}
		rl_now_rfc3339(now);
		rl_bind_text(st, 1, rl_curriculum_code(c), -1);
		rl_bind_int(st, 2, rl_curriculum_version(c));
		rl_bind_text(st, 3, rl_curriculum_title(c), -1);
		rl_bind_text(st, 4, e->data, (int)e->len);
		rl_bind_text(st, 5, now, -1);
		rl_curriculum_free(c);
		if (rl_step(st) != RL_DONE)
			return rl_db_fail(db, err, "loading a curriculum");
		added += rl_db_changes(db);
		rl_reset(st);
	}
	/* Every curriculum's content and every enrolment is a log-signed statement (docs/ledger.md). */
	if (rl_logbook_backfill(db, err) < 0)
		return -1;
	return added;
}
