/*
 * fuzz_common.h - a real temporary database with a trainee and a trainer
 * (and a faculty member) for the validators that look things up.
 */
#ifndef RASLOG_FUZZ_COMMON_H
#define RASLOG_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/codes.h"
#include "store/db.h"
#include "app/setup.h"
#include "domain/users.h"

static struct rl_db *fz_db;
static struct rl_user fz_trainee, fz_trainer, fz_faculty;

static void fz_die(const char *what, struct rl_error *err)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, err->detail);
	exit(1);
}

static void fz_user(const char *name, const char *email, int roles, struct rl_user *out)
{
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user_new nu = { name, email, NULL, NULL, NULL, roles };
	char token[RL_TOKEN_LEN + 1];
	int64_t id;

	if (rl_user_add(fz_db, &nu, &id, token, &err) < 0 || rl_user_get(fz_db, id, out, &err) < 0)
		fz_die("adding a user", &err);
}

static void fz_setup_db(void)
{
	static char dir[] = "/tmp/raslog-fuzz.XXXXXX";
	char path[64];
	struct rl_error err = RL_ERROR_INIT;

	if (fz_db)
		return;
	if (!mkdtemp(dir))
		exit(1);
	snprintf(path, sizeof(path), "%s/fuzz.db", dir);
	if (rl_setup_database(path, &err) < 0)
		fz_die("creating the database", &err);
	if (rl_db_open(path, RL_DB_MIGRATE, &fz_db, &err) < 0)
		fz_die("opening the database", &err);
	fz_user("Fuzz Trainee", "trainee@fuzz.raslog.org", RL_ROLE_TRAINEE, &fz_trainee);
	fz_user("Fuzz Trainer", "trainer@fuzz.raslog.org", RL_ROLE_TRAINER, &fz_trainer);
	fz_user("Fuzz Faculty", "faculty@fuzz.raslog.org", RL_ROLE_FACULTY, &fz_faculty);
	/* The database lives until exit; the directory is removed by run.sh. */
}

#endif
