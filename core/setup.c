/*
 * setup.c - database initialisation; see setup.h.
 */
#include "setup.h"

#include <stdio.h>

#include "credential.h"
#include "ledger.h"
#include "users.h"

#include "banned.h"

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
