/*
 * db_fixture.h - the store tests' fresh database: a temporary directory,
 * a database set up in it (app/setup.h: schema and bundled curricula) and
 * a connection to it, and taking them all away again.  A test whose
 * fixture is only that uses struct db_fixture with db_fixture_setup and
 * db_fixture_teardown; one that needs more starts its fixture struct with
 * DB_FIXTURE_FIELDS and calls db_fixture_open and db_fixture_close from its
 * own setup and teardown.  struct db_trainee_fixture is the database with
 * one trainee account in it (db_trainee_fixture_setup / _teardown).
 * db_fixture_forget_failures makes a connection's engine forget its last
 * failure at every reset, so a store function that resets before it reads
 * a failure reports the wrong message; db_fixture_reads_fail_well runs a
 * test's list of store reads under it with their tables gone.  Include
 * after cmocka.h and the system headers.
 */
#ifndef RASLOG_TEST_DB_FIXTURE_H
#define RASLOG_TEST_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/setup.h"
#include "base/codes.h"
#include "base/error.h"
#include "domain/users.h"
#include "store/db.h"
#include "store/engine.h"

#include "temp_db.h"

#define DB_FIXTURE_DIR_SIZE  64
#define DB_FIXTURE_PATH_SIZE 96
#define DB_FIXTURE_FIELDS char dir[DB_FIXTURE_DIR_SIZE], path[DB_FIXTURE_PATH_SIZE]; struct rl_db *db

/* Makes dir a new temporary directory, path a database set up in it and *db a connection to it; fails the test otherwise. */
static inline void db_fixture_open(char dir[DB_FIXTURE_DIR_SIZE], char path[DB_FIXTURE_PATH_SIZE], struct rl_db **db)
{
	struct rl_error err = RL_ERROR_INIT;

	snprintf(dir, DB_FIXTURE_DIR_SIZE, "%s", "/tmp/raslog-unit.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, DB_FIXTURE_PATH_SIZE, "%s/t.db", dir);
	if (rl_setup_database(path, &err) < 0 || rl_db_open(path, 0, db, &err) < 0)
		fail_msg("setup: %s", err.detail);
}

/* Closes db and removes the database and its directory. */
static inline void db_fixture_close(const char *dir, const char *path, struct rl_db *db)
{
	rl_db_close(db);
	temp_db_remove(dir, path);
}

struct db_fixture {
	DB_FIXTURE_FIELDS;
};

/* cmocka setup and teardown for a struct db_fixture in *state. */
static inline int db_fixture_setup(void **state)
{
	struct db_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	db_fixture_open(f->dir, f->path, &f->db);
	*state = f;
	return 0;
}

static inline int db_fixture_teardown(void **state)
{
	struct db_fixture *f = *state;

	db_fixture_close(f->dir, f->path, f->db);
	free(f);
	return 0;
}

struct db_trainee_fixture {
	DB_FIXTURE_FIELDS;
	int64_t trainee; /* Tia Trainee, tia@example.org */
};

/* cmocka setup and teardown for a struct db_trainee_fixture in *state. */
static inline int db_trainee_fixture_setup(void **state)
{
	struct db_trainee_fixture *f = calloc(1, sizeof(*f));
	struct rl_error err = RL_ERROR_INIT;
	struct rl_user_new nu = { "Tia Trainee", "tia@example.org", NULL, NULL, NULL, RL_ROLE_TRAINEE };
	char tok[RL_TOKEN_LEN + 1];

	assert_non_null(f);
	db_fixture_open(f->dir, f->path, &f->db);
	if (rl_user_add(f->db, &nu, &f->trainee, tok, &err) < 0)
		fail_msg("setup: %s", err.detail);
	*state = f;
	return 0;
}

static inline int db_trainee_fixture_teardown(void **state)
{
	struct db_trainee_fixture *f = *state;

	db_fixture_close(f->dir, f->path, f->db);
	free(f);
	return 0;
}

/* The engine db_fixture_forget_failures replaced (one connection at a time). */
static inline const struct rl_engine **db_fixture_real_engine(void)
{
	static const struct rl_engine *real;

	return &real;
}

static inline void db_fixture_forgetful_reset(struct rl_stmt *st)
{
	const struct rl_engine *real = *db_fixture_real_engine();

	real->reset(st);
	real->exec(st->db, "SELECT 1"); /* a success: the connection's last failure is gone */
}

/*
 * From now on db's engine forgets the connection's last failure when it
 * resets a statement (as an engine that kept a failure per statement
 * would); db_fixture_remember_failures puts the real engine back.
 */
static inline void db_fixture_forget_failures(struct rl_db *db)
{
	static struct rl_engine forgetful;

	*db_fixture_real_engine() = db->engine;
	forgetful = *db->engine;
	forgetful.reset = db_fixture_forgetful_reset;
	db->engine = &forgetful;
}

static inline void db_fixture_remember_failures(struct rl_db *db)
{
	db->engine = *db_fixture_real_engine();
}

/*
 * read(db, i, err) is a test's store read number i (0 up), returning what
 * the read returns, or -2 past the last.  Runs every read (each must not
 * fail, and so has its statement cached), renames the tables away (a NULL
 * ends the list), then runs every read again under
 * db_fixture_forget_failures: each must return -1 with the engine's
 * reason ("no such table") in err, so it read the failure before it reset
 * the statement.  Fails the test naming every read that did not.
 */
static inline void db_fixture_reads_fail_well(struct rl_db *db, int (*read)(struct rl_db *db, int i, struct rl_error *err),
					      const char *const *tables)
{
	struct rl_error err = RL_ERROR_INIT;
	char sql[128];
	int i, rc, bad = 0;

	for (i = 0; (rc = read(db, i, &err)) != -2; i++)
		if (rc < 0)
			fail_msg("read %d: %s", i, err.detail);
	for (; *tables; tables++) {
		snprintf(sql, sizeof(sql), "ALTER TABLE %s RENAME TO gone_%s", *tables, *tables);
		if (rl_db_exec(db, sql, &err) < 0)
			fail_msg("%s: %s", sql, err.detail);
	}
	db_fixture_forget_failures(db);
	for (i = 0; (rc = read(db, i, &err)) != -2; i++) {
		if (rc != -1 || !strstr(err.detail, "no such table")) {
			print_error("read %d: %d, \"%s\"\n", i, rc, err.detail);
			bad++;
		}
		rl_error_clear(&err);
	}
	db_fixture_remember_failures(db);
	assert_int_equal(bad, 0);
}

#endif
