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
#include "store/setup_rows.h"

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
		char now[21];
		int rc;

		if (strncmp(e->path, "schema/curricula/", 17) != 0)
			continue;
		if (rl_curriculum_parse(e->data, e->len, tools, &c, err) < 0)
			return -1; /* err names the curriculum's path and fault */
		rl_now_rfc3339(now);
		rc = rl_rows_setup_curriculum_insert(db, rl_curriculum_code(c), rl_curriculum_version(c),
						     rl_curriculum_title(c), e->data, e->len, now, err);
		rl_curriculum_free(c);
		if (rc < 0)
			return -1;
		added += rc;
	}
	/* Every curriculum's content and every enrolment is a log-signed statement (docs/ledger.md). */
	if (rl_logbook_backfill(db, err) < 0)
		return -1;
	return added;
}
