/*
 * logbook.c - record changes that move figures; see logbook.h.
 */
#include "base/prelude.h"

#include "domain/logbook.h"


#include "base/codes.h"
#include "base/util.h"
#include "domain/statements.h"
#include "ledger/ledger.h"
#include "domain/progress.h"
#include "domain/progress_batch.h"
#include "store/curricula_rows.h"

int rl_logbook_log_session(struct rl_db *db, const struct rl_session_new *s, int64_t *id, struct rl_error *err)
{
	struct rl_tally_delta d;
	int rc;

	rl_tally_delta_init(&d);
	/* The seals are checked before the new record joins the claims they bind. */
	rc = rl_progress_claim_before(db, s->trainee, 0, &d, err) < 0 || rl_session_insert(db, s, id, err) < 0 ? -1
	     : rl_progress_claim_logged(db, s, *id, &d, err);
	rl_tally_delta_free(&d);
	return rc;
}

int rl_logbook_update_session(struct rl_db *db, int64_t trainee, int64_t id, long long expect_revision,
			      const struct rl_session_new *s, struct rl_error *err)
{
	struct rl_tally_delta d;
	int rc = -1;

	rl_tally_delta_init(&d);
	/* The claim's old figures come out only if the change is made. */
	if (rl_progress_claim_before(db, trainee, id, &d, err) == 0 &&
	    rl_session_update(db, trainee, id, expect_revision, s, err) == 0)
		rc = rl_progress_claim_after(db, trainee, id, &d, err);
	rl_tally_delta_free(&d);
	return rc;
}

int rl_logbook_add_user(struct rl_db *db, const struct rl_user_new *nu, int64_t *id_out,
			char token[RL_TOKEN_LEN + 1], struct rl_error *err)
{
	if (rl_user_add(db, nu, id_out, token, err) < 0)
		return -1;
	return (nu->roles & RL_ROLE_TRAINEE) ? rl_logbook_enrolled(db, *id_out, err) : 0;
}

int rl_logbook_append_log(struct rl_db *db, json_t *statement, int64_t subject, int64_t *index,
			  struct rl_error *err)
{
	uint8_t pk[32], sig[64];
	size_t len;
	int64_t idx;
	char *msg = statement ? rl_statement_message(statement, &len, err) : NULL;
	int rc = -1;

	if (msg && rl_ledger_log_key(db, pk, err) == 0 && rl_ledger_log_sign(db, msg, len, sig, err) == 0)
		rc = rl_ledger_append(db, rl_stmt_type(statement), msg, len, pk, sig, 0, subject, &idx, err);
	if (rc == 0 && index)
		*index = idx;
	free(msg);
	json_decref(statement);
	return rc;
}

struct curriculum_ctx {
	char *code;
	int *version;
	json_t **def;
	char *sha;
	int64_t cid;
	struct rl_error *err;
};

static int curriculum_read(void *vctx, const struct rl_row_curriculum *r)
{
	struct curriculum_ctx *c = vctx;

	snprintf(c->code, 64, "%s", r->code);
	*c->version = r->version;
	*c->def = json_loads(r->definition, 0, NULL);
	if (!*c->def)
		rl_error_set(c->err, RL_E_INTERNAL, "internal", NULL, "curriculum %lld's definition is not JSON",
			     (long long)c->cid);
	else if (rl_stmt_content_sha256(*c->def, c->sha, c->err) == 0)
		return 0;
	json_decref(*c->def);
	*c->def = NULL;
	return -1;
}

/* The curriculum row's code, version and content hash; 0, or -1 with err. */
static int curriculum_row(struct rl_db *db, int64_t cid, char code[64], int *version, json_t **def, char sha[65],
			  struct rl_error *err)
{
	struct curriculum_ctx c = { code, version, def, sha, cid, err };
	int rc = rl_rows_curriculum_get(db, cid, curriculum_read, &c, err);

	if (rc == 0)
		rl_error_set(err, RL_E_INTERNAL, "internal", NULL, "no curriculum %lld", (long long)cid);
	return rc == 1 ? 0 : -1;
}

/* 1 if the ledger holds a statement of kind whose message contains needle (and is about subject, if > 0). */
static int ledger_has(struct rl_db *db, const char *kind, const char *needle, int64_t subject, struct rl_error *err)
{
	return rl_rows_curriculum_ledger_has(db, kind, needle, subject, err);
}

static int append_id(void *ctx, int64_t id)
{
	json_array_append_new(ctx, json_integer(id));
	return 0;
}

int rl_logbook_enrolled(struct rl_db *db, int64_t trainee, struct rl_error *err)
{
	int64_t cid = 0;
	char code[64], sha[65], now[21];
	int version, has;
	json_t *def = NULL;

	/* The trainee's enrolment may change here: a batch's memo of it goes (progress_batch.h). */
	rl_progress_batch_forget(db, trainee);
	if (rl_rows_curriculum_of_trainee(db, trainee, &cid, err) < 0)
		return -1;
	if (!cid)
		return 0;
	if (curriculum_row(db, cid, code, &version, &def, sha, err) < 0)
		return -1;
	json_decref(def);
	/* The latest enrolment of the trainee already names this content: nothing to add. */
	if ((has = ledger_has(db, "enrolment", sha, trainee, err)) < 0)
		return -1;
	rl_now_rfc3339(now);
	if (!has && rl_logbook_append_log(db, rl_stmt_enrolment(trainee, code, version, sha, now), trainee, NULL, err) < 0)
		return -1;
	return rl_progress_refresh(db, trainee, err);
}

int rl_logbook_backfill(struct rl_db *db, struct rl_error *err)
{
	json_t *ids = json_array(), *v;
	int added = 0;
	size_t i;

	if (rl_rows_curricula_ids(db, append_id, ids, err) < 0)
		goto fail;
	json_array_foreach(ids, i, v) {
		char code[64], sha[65], now[21];
		int version, has;
		json_t *def = NULL;

		if (curriculum_row(db, json_integer_value(v), code, &version, &def, sha, err) < 0)
			goto fail;
		if ((has = ledger_has(db, "curriculum", sha, 0, err)) < 0) {
			json_decref(def);
			goto fail;
		}
		rl_now_rfc3339(now);
		if (!has) {
			if (rl_logbook_append_log(db, rl_stmt_curriculum(code, version, def, sha, now), 0, NULL, err) < 0) {
				json_decref(def);
				goto fail;
			}
			added++;
		}
		json_decref(def);
	}
	json_array_clear(ids);
	if (rl_rows_curriculum_unenrolled(db, append_id, ids, err) < 0)
		goto fail;
	json_array_foreach(ids, i, v) {
		if (rl_logbook_enrolled(db, json_integer_value(v), err) < 0)
			goto fail;
		added++;
	}
	json_decref(ids);
	return added;
fail:
	json_decref(ids);
	return -1;
}
