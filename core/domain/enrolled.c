/*
 * enrolled.c - the curriculum a trainee is measured against; see enrolled.h.
 */
#include "base/prelude.h"

#include "domain/enrolled.h"

#include <jansson.h>
#include <string.h>

#include "ledger/ledger.h"
#include "store/sql.h"

/* The loaded curriculum an enrolment statement's text names, or 0. */
static int64_t named_curriculum(struct rl_db *db, const char *msg, size_t len, struct rl_error *err)
{
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *doc = msg && len > plen ? json_loadb(msg + plen, len - plen, 0, NULL) : NULL;
	json_t *cur = json_object_get(doc, "curriculum");
	json_t *code = json_object_get(cur, "code"), *version = json_object_get(cur, "version");
	struct rl_stmt *st;
	int64_t id = 0;

	if (json_is_string(code) && json_is_integer(version) &&
	    (st = rl_db_stmt(db, "SELECT id FROM curricula WHERE code = ? AND version = ?", err))) {
		rl_bind_text(st, 1, json_string_value(code), -1);
		rl_bind_int64(st, 2, json_integer_value(version));
		if (rl_step(st) == RL_ROW)
			id = rl_col_int64(st, 0);
		rl_reset(st);
	}
	json_decref(doc);
	return id;
}

int rl_enrolled_curriculum(struct rl_db *db, int64_t trainee, int64_t *cid, struct rl_error *err)
{
	struct rl_stmt *st;
	int rc, found = 0;

	*cid = 0;
	if (!(st = rl_db_stmt(db, "SELECT id, coalesce(curriculum_id, 0) FROM users WHERE id = ?", err)))
		return -1;
	rl_bind_int64(st, 1, trainee);
	if ((rc = rl_step(st)) == RL_ROW) {
		found = 1;
		*cid = rl_col_int64(st, 1);
	}
	rl_reset(st);
	if (rc != RL_ROW && rc != RL_DONE)
		return rl_db_fail(db, err, "reading a trainee");
	if (!found)
		return 0;
	/* The latest enrolment that names a loaded curriculum wins (the index ledger_enrolments). */
	if (!(st = rl_db_stmt(db, "SELECT message FROM ledger WHERE kind = 'enrolment' AND subject_id = ? "
				  "ORDER BY idx DESC", err)))
		return -1;
	rl_bind_int64(st, 1, trainee);
	while ((rc = rl_step(st)) == RL_ROW) {
		int64_t id = named_curriculum(db, rl_col_text(st, 0), (size_t)rl_col_bytes(st, 0), err);
		if (err->status) {
			rl_reset(st);
			return -1;
		}
		if (id) {
			*cid = id;
			break;
		}
	}
	rl_reset(st);
	if (rc != RL_ROW && rc != RL_DONE)
		return rl_db_fail(db, err, "reading a trainee's enrolments");
	return 0;
}
