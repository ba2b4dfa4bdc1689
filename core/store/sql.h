/*
 * sql.h - the statement interface every part of raslog uses to read and
 * write its database, whichever engine holds it (SQLite or PostgreSQL).
 *
 * The shape is SQLite's (prepare once, bind, step row by row, read
 * columns, reset), because that is what the code was written against and
 * it maps onto PostgreSQL's extended protocol one to one.  Queries are
 * written in the SQL both engines accept: `?` parameters, ON CONFLICT
 * rather than INSERT OR ..., COALESCE, no engine-specific functions.  An
 * engine translates only what must differ (PostgreSQL's $n parameters).
 *
 * Parameters are numbered from 1, columns from 0, as in SQLite.
 */
#ifndef RASLOG_SQL_H
#define RASLOG_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct rl_db;
struct rl_stmt; /* a prepared statement of one connection */

/* What rl_step returns; any other value is a failure (see rl_db_fail). */
#define RL_ROW  100
#define RL_DONE 101

/*
 * Returns a reset, cached prepared statement for sql, which must be a
 * string with static storage (it is cached by address).  NULL with err set.
 */
struct rl_stmt *rl_db_stmt(struct rl_db *db, const char *sql, struct rl_error *err);

/* A statement for SQL built at run time; free it with rl_finalize. */
struct rl_stmt *rl_db_prepare(struct rl_db *db, const char *sql, struct rl_error *err);
void rl_finalize(struct rl_stmt *st);

/* Runs the statement to its next row: RL_ROW, RL_DONE, or a failure. */
int rl_step(struct rl_stmt *st);
/* Ends a run of the statement and clears its parameters. */
void rl_reset(struct rl_stmt *st);

/* Binding copies the value; len -1 means up to the NUL. */
int rl_bind_int64(struct rl_stmt *st, int i, int64_t v);
int rl_bind_int(struct rl_stmt *st, int i, int v);
int rl_bind_double(struct rl_stmt *st, int i, double v);
int rl_bind_text(struct rl_stmt *st, int i, const char *s, int len);
int rl_bind_blob(struct rl_stmt *st, int i, const void *p, int len);
int rl_bind_null(struct rl_stmt *st, int i);
/* Binds text, or NULL when s is NULL or empty. */
int rl_db_bind_text(struct rl_stmt *st, int i, const char *s);

/* Column values of the current row; valid until the next step or reset. */
int64_t rl_col_int64(struct rl_stmt *st, int i);
int rl_col_int(struct rl_stmt *st, int i);
double rl_col_double(struct rl_stmt *st, int i);
const char *rl_col_text(struct rl_stmt *st, int i);   /* NULL for NULL */
const void *rl_col_blob(struct rl_stmt *st, int i);
int rl_col_bytes(struct rl_stmt *st, int i);          /* of text or blob */
int rl_col_is_null(struct rl_stmt *st, int i);
/* The storage class of a column's value (for copying rows whatever they hold). */
#define RL_TYPE_NULL    0
#define RL_TYPE_INTEGER 1
#define RL_TYPE_FLOAT   2
#define RL_TYPE_TEXT    3
#define RL_TYPE_BLOB    4
int rl_col_type(struct rl_stmt *st, int i);
/* Former name of rl_col_text. */
#define rl_db_col_text rl_col_text

/*
 * Runs an `INSERT ... RETURNING id` (both engines take it; SQLite since
 * 3.35) and reads the new row's key from its row, where
 * rl_db_last_insert_id would cost PostgreSQL another round trip: RL_DONE
 * with *id set (0 when no row came back, as after ON CONFLICT DO NOTHING)
 * and the statement reset, or rl_step's failure with the statement as the
 * step left it (rl_db_unique_violation still tells).
 */
int rl_step_id(struct rl_stmt *st, int64_t *id);

/*
 * rl_step for a statement whose failure the caller handles and then goes
 * on in the same transaction (a UNIQUE violation: a name taken, a random
 * code drawn twice).  PostgreSQL aborts a whole transaction at its first
 * failed statement, so there the step runs in a savepoint that a failure
 * rolls back; SQLite undoes only the failed statement anyway.  Returns
 * what rl_step returns, and the failure stays readable
 * (rl_db_unique_violation).  Outside a transaction it is rl_step.
 */
int rl_try_step(struct rl_stmt *st);

/* Rows changed by the connection's last INSERT, UPDATE or DELETE. */
int64_t rl_db_changes(struct rl_db *db);
/* The key the connection's last INSERT gave an INTEGER PRIMARY KEY / identity column. */
int64_t rl_db_last_insert_id(struct rl_db *db);
/* Whether the last failure was a UNIQUE (or PRIMARY KEY) violation. */
int rl_db_unique_violation(struct rl_db *db);
/* Whether the last failure was any constraint (UNIQUE, CHECK, NOT NULL, trigger). */
int rl_db_constraint_violation(struct rl_db *db);

/*
 * Shared shapes of the row files.  Each names what it was doing in `what`
 * for rl_db_fail's message, and resets the statement whatever happens
 * (after reading the failure, so the message is the step's).
 *
 * rl_db_run: runs a statement that returns no rows: 0, or -1 with err.
 * rl_db_run_changes: the same, and *changed (when not NULL) gets how many
 * rows it inserted, updated or deleted.
 * rl_db_run_one: runs a statement that must change exactly one row (an
 * UPDATE of a row in the state the caller read it in): 0; -1 with err
 * when the step fails, or RL_E_CONFLICT "row-changed" when it changed
 * another number of rows (the row is no longer in that state: another
 * writer got there first), naming what and the count.
 * rl_db_each_id: runs a bound query and calls each(ctx, column 0) for
 * every row; a non-zero return of each stops and is returned, else 0, or
 * -1 with err.
 * rl_db_lookup_int64: runs a bound query for at most one row: 1 with *v
 * set to its column 0, 0 when there is no row, -1 with err.
 * rl_db_finish: ends a run of st that the caller stepped itself, rc being
 * its last rl_step's return: a failure (neither RL_ROW nor RL_DONE) is
 * read into err first, then st is reset; 1 for RL_ROW, 0 for RL_DONE, -1
 * with err.  A row function that steps by hand ends with it rather than
 * with rl_reset and rl_db_fail, whose order is easy to get wrong (and
 * tools/check-layers.sh refuses an rl_db_fail after an rl_reset).
 */
int rl_db_run(struct rl_db *db, struct rl_stmt *st, const char *what, struct rl_error *err);
int rl_db_run_changes(struct rl_db *db, struct rl_stmt *st, const char *what, int64_t *changed,
		      struct rl_error *err);
int rl_db_run_one(struct rl_db *db, struct rl_stmt *st, const char *what, struct rl_error *err);
int rl_db_each_id(struct rl_db *db, struct rl_stmt *st, int (*each)(void *ctx, int64_t id), void *ctx,
		  const char *what, struct rl_error *err);
int rl_db_lookup_int64(struct rl_db *db, struct rl_stmt *st, int64_t *v, const char *what, struct rl_error *err);
int rl_db_finish(struct rl_db *db, struct rl_stmt *st, int rc, const char *what, struct rl_error *err);

/*
 * A row read into the caller's struct: `row` is the row file's own
 * reader, called with the statement on a row (the columns are valid
 * during that call only), which fills its struct and hands it on (to the
 * caller's typed `each`, through ctx).
 *
 * rl_db_get_row: runs a bound query for at most one row: 1 when there is
 * one and row returned 0 (row's non-zero return instead), 0 when there
 * is no row, -1 with err.
 * rl_db_each_row: calls row for every row of a bound query; a non-zero
 * return stops and is returned, else 0, or -1 with err.
 */
int rl_db_get_row(struct rl_db *db, struct rl_stmt *st, int (*row)(void *ctx, struct rl_stmt *st), void *ctx,
		  const char *what, struct rl_error *err);
int rl_db_each_row(struct rl_db *db, struct rl_stmt *st, int (*row)(void *ctx, struct rl_stmt *st), void *ctx,
		   const char *what, struct rl_error *err);
/* rl_db_each_row handing each(ctx, id, text) columns 0 (an integer) and 1 (text) of every row. */
int rl_db_each_id_text(struct rl_db *db, struct rl_stmt *st, int (*each)(void *ctx, int64_t id, const char *text),
		       void *ctx, const char *what, struct rl_error *err);

/*
 * RL_DB_ROW_READER(name, type, fill), in a row file: struct name_each
 * (the caller's typed `int (*each)(void *ctx, const type *row)` and its
 * ctx) and name_call, the row function for rl_db_get_row and
 * rl_db_each_row that fills a `type` with fill(st, &row) and hands it to
 * each.  A lookup by id is then
 *     return rl_db_get_row(db, st, name_call, &(struct name_each){ each, ctx }, what, err);
 */
#define RL_DB_ROW_READER(name, type, fill)                    \
	struct name##_each {                                  \
		int (*each)(void *ctx, const type *row);      \
		void *ctx;                                    \
	};                                                    \
	static int name##_call(void *ctx, struct rl_stmt *st) \
	{                                                     \
		const struct name##_each *e = ctx;            \
		type r;                                       \
		fill(st, &r);                                 \
		return e->each(e->ctx, &r);                   \
	}

#endif
