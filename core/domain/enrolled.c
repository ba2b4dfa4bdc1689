/*
 * enrolled.c - the curriculum a trainee is measured against; see enrolled.h.
 */
#include "base/prelude.h"

#include "domain/enrolled.h"

#include <jansson.h>
#include <string.h>

#include "ledger/ledger.h"
#include "store/curricula_rows.h"

/* The loaded curriculum an enrolment statement's text names, or 0. */
static int64_t named_curriculum(struct rl_db *db, const char *msg, size_t len, struct rl_error *err)
{
	size_t plen = strlen(RL_STATEMENT_PREFIX);
	json_t *doc = msg && len > plen ? json_loadb(msg + plen, len - plen, 0, NULL) : NULL;
	json_t *cur = json_object_get(doc, "curriculum");
	json_t *code = json_object_get(cur, "code"), *version = json_object_get(cur, "version");
	int64_t id = 0;

	if (json_is_string(code) && json_is_integer(version))
		rl_rows_curriculum_by_code(db, json_string_value(code), json_integer_value(version), &id, err);
	json_decref(doc);
	return id;
}

struct enrolment_ctx {
	struct rl_db *db;
	int64_t *cid;
	struct rl_error *err;
};

/* The latest enrolment that names a loaded curriculum wins: stops there (1), or on a failure (-1). */
static int named(void *vctx, const char *msg, size_t len)
{
	struct enrolment_ctx *c = vctx;
	int64_t id = named_curriculum(c->db, msg, len, c->err);

	if (c->err->status)
		return -1;
	if (id) {
		*c->cid = id;
		return 1;
	}
	return 0;
}

int rl_enrolled_curriculum(struct rl_db *db, int64_t trainee, int64_t *cid, struct rl_error *err)
{
	struct enrolment_ctx c = { db, cid, err };
	int found;

	if ((found = rl_rows_curriculum_of_user(db, trainee, cid, err)) <= 0)
		return found;
	return rl_rows_curriculum_enrolments(db, trainee, named, &c, err) < 0 ? -1 : 0;
}
